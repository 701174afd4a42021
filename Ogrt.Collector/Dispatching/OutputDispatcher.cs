using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ogrt.Collector.Configuration;
using Ogrt.Collector.Metrics;
using Ogrt.Collector.Queueing;
using Ogrt.Collector.Plugins;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Dispatching;

/// <summary>
/// Creates the configured outputs and fans every decoded record out to each output's
/// <see cref="OutputPipeline"/>. A slow or failing output only fills its own queue.
/// </summary>
/// <remarks>
/// Host lifecycle: the outputs are created and prepared in <see cref="StartingAsync"/>, before
/// any service starts, so a setting a plugin refuses fails the start before the socket
/// receives anything; their workers start in <see cref="StartAsync"/>; <see cref="StopAsync"/>,
/// which the host calls after the receiver and the decode loop have stopped, flushes them.
/// </remarks>
public sealed partial class OutputDispatcher : IHostedLifecycleService, IAsyncDisposable
{
    private readonly CollectorConfiguration _configuration;
    private readonly OutputPluginCatalog _catalog;
    private readonly CollectorMetrics _metrics;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<OutputDispatcher> _logger;
    private readonly TimeProvider _timeProvider;
    private OutputPipeline[] _pipelines = [];

    public OutputDispatcher(
        CollectorConfiguration configuration,
        OutputPluginCatalog catalog,
        CollectorMetrics metrics,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider)
    {
        _configuration = configuration;
        _catalog = catalog;
        _metrics = metrics;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<OutputDispatcher>();
        _timeProvider = timeProvider;
        _metrics.Meter.CreateObservableGauge(
            "ogrt.collector.output.queue_length",
            () => _pipelines.Select(pipeline => new Measurement<long>(pipeline.QueueLength, pipeline.MetricTags)),
            "{record}",
            "Records not yet delivered by an output: queued, being written, or waiting for a retry.");
        _metrics.Meter.CreateObservableGauge(
            "ogrt.collector.output.memory",
            () => _pipelines.Select(pipeline => new Measurement<long>(pipeline.MemoryBytes, pipeline.MetricTags)),
            "By",
            "Approximate bytes of decoded records an output holds in memory (Outputs:<Name>:QueueBytes bounds it).");
        _metrics.Meter.CreateObservableGauge(
            "ogrt.collector.output.spool.bytes",
            () => _pipelines.Where(pipeline => pipeline.SpoolBytes.HasValue)
                .Select(pipeline => new Measurement<long>(pipeline.SpoolBytes!.Value, pipeline.MetricTags)),
            "By",
            "Size of an output's disk spool files.");
    }

    public IReadOnlyList<OutputPipeline> Pipelines => _pipelines;

    /// <summary>
    /// Creates every configured output and lets it prepare (<see cref="IOutput.StartAsync"/>);
    /// throws <see cref="CollectorConfigurationException"/> with every error of every output.
    /// </summary>
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var pipelines = new List<OutputPipeline>();
        foreach (var settings in _configuration.Outputs)
        {
            try
            {
                var factory = _catalog.FactoryFor(settings);
                var section = _configuration.PluginSettingsOf(settings);
                pipelines.Add(await CreateOutputAsync(settings, factory, section, cancellationToken).ConfigureAwait(false));
            }
            catch (CollectorConfigurationException e)
            {
                errors.AddRange(e.Errors);
            }
        }
        if (errors.Count > 0)
        {
            foreach (var pipeline in pipelines)
                await pipeline.DisposeAsync().ConfigureAwait(false);
            throw new CollectorConfigurationException(errors);
        }
        _pipelines = pipelines.ToArray();
    }

    private async Task<OutputPipeline> CreateOutputAsync(
        OutputOptions settings, IOutputFactory factory, IConfigurationSection section, CancellationToken cancellationToken)
    {
        var tags = new TagList { { "output", settings.Name }, { "type", factory.Type } };
        var logger = _loggerFactory.CreateLogger($"Ogrt.Outputs.{factory.Type}.{settings.Name}");
        string stateDirectory = Path.Combine(_configuration.Collector.StateDirectory, "outputs", settings.Name);
        try
        {
            PrivateFiles.CreateDirectory(stateDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CollectorConfigurationException($"Collector:StateDirectory: cannot create {stateDirectory}: {e.Message}", e);
        }

        var context = new OutputContext
        {
            Name = settings.Name,
            Configuration = section,
            Logger = logger,
            Meter = _metrics.Meter,
            MetricTags = tags,
            StateDirectory = stateDirectory,
            ContentRoot = _configuration.Collector.ContentRoot,
            TimeProvider = _timeProvider,
        };

        IOutput output;
        try
        {
            output = factory.Create(context);
        }
        catch (OutputConfigurationException e)
        {
            throw new CollectorConfigurationException(e.Errors);
        }
#pragma warning disable CA1031 // Any failure of a plugin to create its output is reported as a start error.
        catch (Exception e)
#pragma warning restore CA1031
        {
            throw new CollectorConfigurationException($"{section.Path}: the {factory.Type} plugin could not create the output: {e.Message}", e);
        }

        try
        {
            await output.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OutputConfigurationException e)
        {
            await output.DisposeAsync().ConfigureAwait(false);
            throw new CollectorConfigurationException(e.Errors);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Per the contract: the destination may come up later; the pipeline retries.
            LogStartFailed(e, settings.Name);
        }

        OutputPipeline pipeline;
        try
        {
            pipeline = new OutputPipeline(settings, output, _metrics, tags, logger, _timeProvider);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await output.DisposeAsync().ConfigureAwait(false);
            throw new CollectorConfigurationException($"{section.Path}:Spool:Directory: cannot use {settings.Spool.Directory} (is another collector using it?): {e.Message}", e);
        }
        LogOutputReady(settings.Name, factory.Type, settings.Workers, settings.QueueCapacity, settings.BatchSize, settings.OverflowPolicy);
        if (settings.Spool.Enabled)
            LogSpoolEnabled(settings.Name, settings.Spool.Directory, settings.Spool.MaxBytes);
        return pipeline;
    }

    /// <summary>Starts the workers of the outputs <see cref="StartingAsync"/> created.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var pipeline in _pipelines)
            pipeline.Start();
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Hands a record to every output; completes at once unless an output blocks (OverflowPolicy Block).</summary>
    public ValueTask DispatchAsync(ProcessRecord record)
    {
        var pipelines = _pipelines;
        for (int i = 0; i < pipelines.Length; i++)
        {
            var enqueued = pipelines[i].EnqueueAsync(record);
            if (!enqueued.IsCompletedSuccessfully)
                return DispatchRestAsync(enqueued, record, i + 1);
        }
        return ValueTask.CompletedTask;
    }

    private async ValueTask DispatchRestAsync(ValueTask pending, ProcessRecord record, int next)
    {
        await pending.ConfigureAwait(false);
        for (int i = next; i < _pipelines.Length; i++)
            await _pipelines[i].EnqueueAsync(record).ConfigureAwait(false);
    }

    /// <summary>Flushes every output within Collector:ShutdownTimeout, then closes them.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host's own limit has passed already if stopping decoding took all of it.
        var timeout = cancellationToken.IsCancellationRequested ? TimeSpan.Zero : _configuration.Collector.ShutdownTimeout;
        LogFlushing(_pipelines.Sum(pipeline => pipeline.QueueLength), timeout);
        await Task.WhenAll(_pipelines.Select(pipeline => pipeline.StopAsync(timeout))).ConfigureAwait(false);
        await DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pipeline in _pipelines)
            await pipeline.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Output {Output} ({Type}) ready: {Workers} workers, queue {QueueCapacity}, batches of {BatchSize}, overflow {OverflowPolicy}")]
    private partial void LogOutputReady(string output, string type, int workers, int queueCapacity, int batchSize, OverflowPolicy overflowPolicy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Output {Output} spools to {Directory} while its queue is full, up to {MaxBytes} bytes")]
    private partial void LogSpoolEnabled(string output, string directory, long maxBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Output {Output} could not prepare; starting anyway and retrying on the first batches")]
    private partial void LogStartFailed(Exception exception, string output);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flushing {Queued} queued records to the outputs (Collector:ShutdownTimeout {Timeout})")]
    private partial void LogFlushing(int queued, TimeSpan timeout);
}
