using System.Net.Security;
using System.Net.Sockets;

namespace Ogrt.Outputs.Splunk.Tcp;

/// <summary>One connection to a Splunk TCP input, plain or TLS.</summary>
internal sealed class TcpLineConnection : IAsyncDisposable
{
    // A fixed send buffer (the kernel doubles it, capped by net.core.wmem_max) bounds what can
    // be in flight unseen, so the replay window can cover it.
    private const int SendBufferBytes = 1024 * 1024;

    private readonly Socket _socket;
    private readonly Stream _stream;

    private TcpLineConnection(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    public static async Task<TcpLineConnection> ConnectAsync(SplunkTcpSettings settings, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendBufferSize = SendBufferBytes };
        try
        {
            await socket.ConnectAsync(settings.Host, settings.Port, timeout.Token).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (settings.Tls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(settings.TlsSettings.CreateClientOptions(settings.ServerName), timeout.Token).ConfigureAwait(false);
            }
            return new TcpLineConnection(socket, stream);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"connecting to {settings.Host}:{settings.Port} timed out after {settings.ConnectTimeout.TotalSeconds} s", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether the receiver has closed or reset the connection. A Splunk TCP input never
    /// sends, so a readable socket with nothing to read means end of stream.
    /// </summary>
    public bool PeerHasClosed()
    {
        try
        {
            return _socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(lines, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends the stream and waits for the receiver to close its side, which it does once it
    /// has read everything. Returns false when that was not seen within the timeout.
    /// </summary>
    public async Task<bool> CloseGracefullyAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            if (_stream is SslStream tls)
                await tls.ShutdownAsync().ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Send);
            var scratch = new byte[4096];
            while (await _socket.ReceiveAsync(scratch, SocketFlags.None, deadline.Token).ConfigureAwait(false) > 0)
            {
                // A TCP input sends nothing of interest; read until the end of the stream.
            }
            return true;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // Closing a broken connection cannot fail in a way that matters.
        }
        _socket.Dispose();
    }
}
