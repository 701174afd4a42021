using System.Collections.Concurrent;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Tests.Support;

/// <summary>
/// An output type (default "Test") registered in the host (not a plugin): creates a
/// <see cref="RecordingOutput"/> per configured output and lets the test reach it by name.
/// </summary>
internal sealed class TestOutputFactory : IOutputFactory
{
    private readonly ConcurrentDictionary<string, RecordingOutput> _outputs = new();
    private readonly Action<string, RecordingOutput>? _configure;

    public TestOutputFactory(Action<string, RecordingOutput>? configure = null, string type = "Test")
    {
        _configure = configure;
        Type = type;
    }

    public string Type { get; }

    public RecordingOutput this[string name] => _outputs[name];

    public IOutput Create(OutputContext context)
    {
        // The test output reads no settings: like a real plugin, it refuses every key it is given.
        var unknown = context.Configuration.GetChildren().Select(setting => $"{setting.Path}: is not a known setting").ToList();
        if (unknown.Count > 0)
            throw new OutputConfigurationException(unknown);
        var output = new RecordingOutput();
        _configure?.Invoke(context.Name, output);
        _outputs[context.Name] = output;
        return output;
    }
}
