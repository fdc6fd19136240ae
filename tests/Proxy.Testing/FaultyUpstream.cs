using System.Net;

namespace LlmProxy.Testing;

/// <summary>Where <see cref="FaultyUpstream"/> throws: nowhere, when the request is sent, or while the answer's body is read.</summary>
public enum UpstreamFault
{
    None,
    OnSend,
    MidBody,
}

/// <summary>
/// The proxy's upstream connection with a bug planted in it: an exception the proxy has no handling for (not a network
/// error), thrown when the request is sent or after the answer's first bytes, to prove routing state survives it.
/// </summary>
public sealed class FaultyUpstream() : DelegatingHandler(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
{
    public UpstreamFault Fault { get; set; }

    /// <summary>When set, only requests to this port meet the fault.</summary>
    public int? OnlyPort { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var fault = OnlyPort is null || request.RequestUri!.Port == OnlyPort ? Fault : UpstreamFault.None;
        if (fault == UpstreamFault.OnSend)
        {
            throw new InvalidOperationException("planted fault: sending");
        }
        var response = await base.SendAsync(request, cancellationToken);
        if (fault == UpstreamFault.MidBody)
        {
            var original = response.Content;
            response.Content = new StreamContent(new BreakingStream(await original.ReadAsStreamAsync(cancellationToken)));
            foreach (var header in original.Headers)
            {
                response.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
        return response;
    }

    /// <summary>Gives the first read's bytes, then throws.</summary>
    private sealed class BreakingStream(Stream inner) : Stream
    {
        private bool _read;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read)
            {
                throw new InvalidOperationException("planted fault: reading the body");
            }
            _read = true;
            return await inner.ReadAsync(buffer[..Math.Min(buffer.Length, 16)], cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
