using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LlmProxy.Testing;

/// <summary>
/// An upstream on a raw socket that answers every request with the same bytes, then closes the connection: for
/// answers no HTTP server library would send (header values that are not ASCII, bodies that are not what their
/// headers say).
/// </summary>
public sealed class RawUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly byte[] _answer;
    private readonly Task _accepting;
    private int _requests;

    private RawUpstream(byte[] answer)
    {
        _answer = answer;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary><c>http://127.0.0.1:PORT/v1</c>, an OpenAI base URL.</summary>
    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1");

    /// <summary>Requests answered so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Starts one answering with <paramref name="answer"/>: a status line, headers and body, in Latin-1 bytes.</summary>
    public static RawUpstream Start(string answer) => new(Encoding.Latin1.GetBytes(answer));

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _accepting;
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = AnswerAsync(client);
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var received = new List<byte>();
                var buffer = new byte[8192];
                int read;
                // The headers, then as many body bytes as they announce.
                while ((read = await stream.ReadAsync(buffer)) > 0)
                {
                    received.AddRange(buffer.AsSpan(0, read));
                    var text = Encoding.Latin1.GetString([.. received]);
                    var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                    var length = text.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } line
                        ? int.Parse(line["Content-Length:".Length..].Trim()) : 0;
                    if (end >= 0 && received.Count >= end + 4 + length)
                    {
                        break;
                    }
                }
                Interlocked.Increment(ref _requests);
                await stream.WriteAsync(_answer);
            }
            catch (IOException)
            {
                // The proxy went away first.
            }
        }
    }
}
