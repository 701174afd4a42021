using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.Bench;

/// <summary>An output context for one measured output, with its own state directory.</summary>
internal static class BenchContext
{
    public static OutputContext Create(string type, IDictionary<string, string?> settings, string stateDirectory)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.ToDictionary(entry => $"Outputs:Bench:{entry.Key}", entry => entry.Value))
            .Build();
        return new OutputContext
        {
            Name = "Bench",
            Configuration = configuration.GetSection("Outputs:Bench"),
            Logger = NullLogger.Instance,
            Meter = new Meter("ogrt.bench"),
            MetricTags = new TagList { { "output", "Bench" }, { "type", type } },
            StateDirectory = stateDirectory,
            ContentRoot = stateDirectory,
        };
    }
}
