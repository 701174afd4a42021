using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Ogrt.Collector.Configuration;
using Ogrt.Collector.Dispatching;
using Ogrt.Collector.Metrics;
using Ogrt.Collector.Spooling;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Abstractions.Schema;

namespace Ogrt.Collector.Tests.Support;

/// <summary>One <see cref="OutputPipeline"/> around a <see cref="RecordingOutput"/>, with its metrics recorded.</summary>
internal sealed class PipelineHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    /// <param name="time">The clock of the pipeline and its queue; the system clock by default.</param>
    /// <param name="wrapSpoolStore">Puts something (a slow disk) between the spool and its files.</param>
    public PipelineHarness(Func<OutputOptions, OutputOptions>? adjust = null, TimeProvider? time = null, Func<ISegmentStore, ISegmentStore>? wrapSpoolStore = null)
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new CollectorMetrics(_services.GetRequiredService<IMeterFactory>());
        Metrics = new MetricsRecorder(metrics.Meter);
        var settings = new OutputOptions
        {
            Name = "Under-test",
            Type = "Test",
            Workers = 1,
            QueueCapacity = 1000,
            QueueBytes = OutputOptions.DefaultQueueBytes,
            BatchSize = 100,
            BatchInterval = TimeSpan.FromMilliseconds(20),
            RetryInitialDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(20),
            OverflowPolicy = OverflowPolicy.DropNewest,
            BlockTimeout = TimeSpan.FromSeconds(1),
        };
        Settings = adjust is null ? settings : adjust(settings);
        var tags = new TagList { { "output", Settings.Name }, { "type", Settings.Type } };
        Pipeline = new OutputPipeline(Settings, Output, metrics, tags, Logger, time ?? TimeProvider.System, wrapSpoolStore);
    }

    public OutputOptions Settings { get; }
    public RecordingOutput Output { get; } = new();
    public RecordingLogger Logger { get; } = new();
    public OutputPipeline Pipeline { get; }
    public MetricsRecorder Metrics { get; }

    public long Dropped(string reason) => Metrics.Sum("ogrt.collector.output.dropped", ("reason", reason));

    /// <param name="cmdlineLength">Characters of command line: 50,000 make a record of about 100 KB in memory.</param>
    public static ProcessRecord Record(int pid, int cmdlineLength = 0)
    {
        var info = new Ogrt.Protocol.ProcessInfo { Binpath = "/usr/bin/test", Pid = pid, ParentPid = 1, Time = 1_764_000_000 };
        if (cmdlineLength > 0)
            info.Cmdline = new string('x', cmdlineLength);
        return new RecordReader(stringTableCapacity: 1).Read(Ogrt.Protocol.MessageFrame.Encode(info), DateTimeOffset.UnixEpoch, null);
    }

    public async Task EnqueueAsync(IEnumerable<int> pids, int cmdlineLength = 0)
    {
        foreach (int pid in pids)
            await Pipeline.EnqueueAsync(Record(pid, cmdlineLength));
    }

    public async ValueTask DisposeAsync()
    {
        await Pipeline.DisposeAsync();
        Metrics.Dispose();
        await _services.DisposeAsync();
    }
}
