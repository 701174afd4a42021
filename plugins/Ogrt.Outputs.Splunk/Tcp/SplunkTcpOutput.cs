using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using Ogrt.Outputs.Sdk.Buffers;
using Ogrt.Outputs.Sdk.Metrics;

namespace Ogrt.Outputs.Splunk.Tcp;

/// <summary>
/// Writes one JSON record per line to a Splunk TCP input over one persistent connection.
/// A batch is written and flushed completely before <see cref="WriteAsync"/> returns; if the
/// connection breaks, the call throws and the pipeline retries the whole batch. Every new
/// connection starts with a line break (ending a line the old one may have cut) and the
/// replay window (see <see cref="ReplayWindow"/>): delivery is at-least-once.
/// </summary>
internal sealed class SplunkTcpOutput : IOutput
{
    private readonly OutputContext _context;
    private readonly SplunkTcpSettings _settings;
    private readonly OutputMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ReplayWindow _replay;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TcpLineConnection? _connection;

    public SplunkTcpOutput(OutputContext context, SplunkTcpSettings settings)
    {
        _context = context;
        _settings = settings;
        _logger = context.Logger;
        _metrics = new OutputMetrics(context.Meter, context.MetricTags);
        _replay = new ReplayWindow(settings.ReplayBytes);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_settings.Tls && _settings.TlsSettings.SkipVerify)
            _logger.LogWarning("{Output}: InsecureSkipVerify is set: the Splunk server's certificate is not checked", _context.Name);
        // No connection yet: an unreachable indexer must not keep the collector from starting.
        return Task.CompletedTask;
    }

    public async Task<WriteResult> WriteAsync(IReadOnlyList<ProcessRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
            return WriteResult.Delivered;
        var lines = new ByteBuffer(Math.Min(batch.Count, 4096) * 1536);
        try
        {
            WriteLines(lines, batch);
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var connection = await ConnectedAsync(batch.Count, cancellationToken).ConfigureAwait(false);
                long started = _context.TimeProvider.GetTimestamp();
                await WriteOrDropAsync(connection, lines.WrittenMemory, batch.Count, cancellationToken).ConfigureAwait(false);
                _metrics.Request(batch.Count, _context.TimeProvider.GetElapsedTime(started));
                _metrics.Sent(batch.Count);
                _replay.Add(lines, batch.Count);
                lines = null;
            }
            finally
            {
                _gate.Release();
            }
        }
        finally
        {
            lines?.Dispose();
        }
        return WriteResult.Delivered;
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connection is not null)
            {
                bool confirmed = await _connection.CloseGracefullyAsync(_settings.CloseTimeout).ConfigureAwait(false);
                if (!confirmed)
                {
                    _logger.LogWarning("{Output}: {Host}:{Port} did not confirm reading the stream before closing; up to {Records} records written last may not have arrived",
                        _context.Name, _settings.Host, _settings.Port, _replay.Records);
                }
                await _connection.DisposeAsync().ConfigureAwait(false);
                _connection = null;
            }
            _replay.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void WriteLines(ByteBuffer lines, IReadOnlyList<ProcessRecord> batch)
    {
        using var writer = new Utf8JsonWriter(lines, ProcessRecordJson.WriterOptions);
        foreach (var record in batch)
        {
            writer.Reset(lines);
            ProcessRecordJson.Write(writer, record);
            writer.Flush();
            lines.Write("\n"u8);
        }
    }

    /// <summary>
    /// The open connection, or a new one that has replayed the window. A failed connect fails the
    /// batch: the pipeline's backoff (RetryInitialDelay…RetryMaxDelay) paces the next attempt.
    /// </summary>
    private async Task<TcpLineConnection> ConnectedAsync(int records, CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            if (!_connection.PeerHasClosed())
                return _connection;
            _logger.LogWarning("{Output}: {Host}:{Port} closed the connection; reconnecting", _context.Name, _settings.Host, _settings.Port);
            await DropConnectionAsync().ConfigureAwait(false);
        }

        TcpLineConnection connection;
        try
        {
            connection = await TcpLineConnection.ConnectAsync(_settings, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException or AuthenticationException)
        {
            _metrics.Failed(records, e is AuthenticationException ? "tls" : "connect");
            _logger.LogError("{Output}: cannot connect to {Host}:{Port} ({Error}); the batch will be retried",
                _context.Name, _settings.Host, _settings.Port, e.Message);
            throw;
        }
        _logger.LogInformation("{Output}: connected to {Host}:{Port}", _context.Name, _settings.Host, _settings.Port);

        if (!_replay.IsEmpty)
        {
            // The line break ends a line the broken connection may have cut short.
            await WriteOrDropAsync(connection, "\n"u8.ToArray(), records, cancellationToken).ConfigureAwait(false);
            foreach (var (lines, replayed) in _replay.Batches)
            {
                await WriteOrDropAsync(connection, lines, records, cancellationToken).ConfigureAwait(false);
                _metrics.Replayed(replayed);
            }
            _logger.LogInformation("{Output}: replayed the last {Records} records on the new connection (possible duplicates)", _context.Name, _replay.Records);
        }
        _connection = connection;
        return connection;
    }

    private async Task WriteOrDropAsync(TcpLineConnection connection, ReadOnlyMemory<byte> bytes, int records, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.WriteTimeout);
        try
        {
            await connection.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // Part of the bytes may be gone or stuck: this connection is done either way.
            if (ReferenceEquals(connection, _connection))
                await DropConnectionAsync().ConfigureAwait(false);
            else
                await connection.DisposeAsync().ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
                throw;
            string reason = e is OperationCanceledException ? "timeout" : "connection";
            _metrics.Failed(records, reason);
            _logger.LogWarning("{Output}: writing to {Host}:{Port} failed ({Reason}: {Error}); the batch will be retried",
                _context.Name, _settings.Host, _settings.Port, reason, e.Message);
            throw e is OperationCanceledException
                ? new TimeoutException($"writing to {_settings.Host}:{_settings.Port} timed out after {_settings.WriteTimeout.TotalSeconds} s", e)
                : new IOException($"writing to {_settings.Host}:{_settings.Port} failed: {e.Message}", e);
        }
    }

    private async Task DropConnectionAsync()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
            await connection.DisposeAsync().ConfigureAwait(false);
    }
}
