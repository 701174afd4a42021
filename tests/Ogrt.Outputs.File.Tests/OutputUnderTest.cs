using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.File.Tests;

/// <summary>Creates File outputs through the factory, the way the collector does.</summary>
internal static class OutputUnderTest
{
    public const string Name = "Files";

    public static OutputContext Context(IReadOnlyDictionary<string, string?> settings, TimeProvider? time = null, ILogger? logger = null, Meter? meter = null, string? contentRoot = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create($"Outputs:{Name}:{s.Key}", s.Value)))
            .Build();
        return new OutputContext
        {
            Name = Name,
            Configuration = configuration.GetSection($"Outputs:{Name}"),
            Logger = logger ?? NullLogger.Instance,
            Meter = meter ?? new Meter("Ogrt.Outputs.File.Tests"),
            MetricTags = new TagList { { "output", Name }, { "type", "File" } },
            StateDirectory = Path.GetTempPath(),
            ContentRoot = contentRoot ?? Path.GetTempPath(),
            TimeProvider = time ?? TimeProvider.System,
        };
    }

    public static IOutput Create(IReadOnlyDictionary<string, string?> settings, TimeProvider? time = null, Meter? meter = null) =>
        new FileOutputFactory().Create(Context(settings, time, meter: meter));

    public static async Task<IOutput> StartAsync(IReadOnlyDictionary<string, string?> settings, TimeProvider? time = null, Meter? meter = null)
    {
        var output = Create(settings, time, meter);
        await output.StartAsync(CancellationToken.None);
        return output;
    }
}
