using System.Runtime.ExceptionServices;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound;

/// <summary>
/// Parses a request body and hands its root to a dialect's reader, turning what the reader and the parser throw into
/// the client's 400: while parsing, an <see cref="InvalidOperationException"/> is a lone surrogate in a field name and
/// a <see cref="JsonException"/> a repeated field (the envelope reader already refused every other grammar error);
/// while reading, a <see cref="RequestFieldException"/> names its field.
/// </summary>
internal static class RequestDocument
{
    // Past 4 MiB of body, JsonDocument rents a scratch buffer about as large as the body and gives it back to the
    // shared array pool, which keeps it in the returning thread's slot for half a minute or more: a burst of large
    // bodies would stay resident long after it ended. Parsed on a thread of its own, the buffer leaves with the thread.
    private const int OwnThreadFromBytes = 4 * 1024 * 1024;

    /// <summary>Reads <paramref name="body"/> with <paramref name="read"/>; false with the client's error when it cannot.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> body, Func<JsonElement, ChatRequest> read, out ChatRequest? request, out GatewayError? error)
    {
        if (body.Length < OwnThreadFromBytes)
        {
            return TryReadHere(body, read, out request, out error);
        }
        var outcome = new Outcome(body, read);
        var thread = new Thread(outcome.Run, maxStackSize: 0) { IsBackground = true, Name = "large request body" };
        thread.Start();
        thread.Join();
        outcome.Unexpected?.Throw(); // on the request's thread, where the pipeline answers for it
        request = outcome.Request;
        error = outcome.Error;
        return outcome.Read;
    }

    private static bool TryReadHere(ReadOnlyMemory<byte> body, Func<JsonElement, ChatRequest> read, out ChatRequest? request, out GatewayError? error)
    {
        request = null;
        error = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, RequestJson.DocumentOptions);
        }
        catch (InvalidOperationException)
        {
            error = RequestJson.NotUnicode; // a field name, decoded to look for repeats
            return false;
        }
        catch (JsonException e)
        {
            error = GatewayError.BadRequest($"The request body repeats a field: {ErrorText.Quote(e.Message)}");
            return false;
        }
        // Past the parse, only a reader's own refusal is the client's: anything else it throws is a bug, a 500 the
        // fuzzer sees, not a 400 with a wrong reason.
        using (document)
        {
            try
            {
                request = read(document.RootElement);
                return true;
            }
            catch (RequestFieldException e)
            {
                error = GatewayError.BadRequest(e.Message, e.Param);
                return false;
            }
        }
    }

    private sealed class Outcome(ReadOnlyMemory<byte> body, Func<JsonElement, ChatRequest> read)
    {
        public bool Read;
        public ChatRequest? Request;
        public GatewayError? Error;
        public ExceptionDispatchInfo? Unexpected;

        public void Run()
        {
            try
            {
                Read = TryReadHere(body, read, out Request, out Error);
            }
            catch (Exception e)
            {
                Unexpected = ExceptionDispatchInfo.Capture(e);
            }
        }
    }
}
