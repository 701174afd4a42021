using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.TestSupport;

/// <summary>
/// An <see cref="OutputContext"/> as the collector builds it, from in-memory settings, with a
/// temporary state directory, its own meter (listened to) and a logger that keeps messages.
/// </summary>
public sealed class TestOutputContext : IDisposable
{
    public TestOutputContext(string type, IDictionary<string, string?> settings)
    {
        StateDirectory = Directory.CreateTempSubdirectory("ogrt-output-test-").FullName;
        Meter = new Meter($"ogrt.test.{Guid.NewGuid():N}");
        Metrics = new MetricRecorder(Meter);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.ToDictionary(entry => $"Outputs:Test:{entry.Key}", entry => entry.Value))
            .Build();
        Context = new OutputContext
        {
            Name = "Test",
            Configuration = configuration.GetSection("Outputs:Test"),
            Logger = Logger,
            Meter = Meter,
            MetricTags = new TagList { { "output", "Test" }, { "type", type } },
            StateDirectory = StateDirectory,
            ContentRoot = StateDirectory,
        };
    }

    public OutputContext Context { get; }

    public string StateDirectory { get; }

    public Meter Meter { get; }

    public MetricRecorder Metrics { get; }

    public RecordingLogger Logger { get; } = new();

    /// <summary>Creates the output as the collector does; the plugin refuses any setting it does not read.</summary>
    public IOutput CreateOutput(IOutputFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return factory.Create(Context);
    }

    public void Dispose()
    {
        Metrics.Dispose();
        Meter.Dispose();
        Directory.Delete(StateDirectory, recursive: true);
    }

    /// <summary>Keeps every log entry, so tests can assert that an error was reported.</summary>
    public sealed class RecordingLogger : ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Entries.Enqueue((logLevel, formatter(state, exception)));
            TestContext.Progress.WriteLine($"[{logLevel}] {formatter(state, exception)}");
        }

        public bool Contains(LogLevel level, string text) =>
            Entries.Any(entry => entry.Level == level && entry.Message.Contains(text, StringComparison.OrdinalIgnoreCase));
    }
}
