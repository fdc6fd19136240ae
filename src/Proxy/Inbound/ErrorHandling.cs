using LlmProxy.Canonical;
using LlmProxy.Storage;

namespace LlmProxy.Inbound;

/// <summary>
/// Around every handler (only the request id and the request observer, metrics and the access log, are outside it): a bug in one request becomes a 500 in
/// the client's dialect (or an aborted connection once the answer has started), never a dead process.
/// </summary>
internal sealed partial class ErrorHandling(RequestDelegate next, ErrorResponder errors, ILogger<ErrorHandling> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        Task pending;
        try
        {
            pending = next(context);
        }
        catch (Exception e)
        {
            pending = Task.FromException(e);
        }
        // Nearly every request is still in flight here or already done without error: no state machine for those.
        return pending.IsCompletedSuccessfully ? Task.CompletedTask : AwaitAsync(pending, context);
    }

    private async Task AwaitAsync(Task pending, HttpContext context)
    {
        try
        {
            await pending;
        }
        catch (BadHttpRequestException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            // A client's transport fault is the client's, like a hang-up: answered in its dialect, logged at Debug.
            LogClientFault(logger, context.Request.Method, context.Request.Path, e.StatusCode, e.Message);
            await AnswerAsync(context, RequestBody.ClientFault(e));
        }
        catch (Exception e) when (StorageUnavailable.Is(e) && !context.RequestAborted.IsCancellationRequested)
        {
            // The database is down or restarting (admin writes, stored responses): the client may retry, nothing is broken here.
            LogStorageUnavailable(logger, context.Request.Method, context.Request.Path, e.Message);
            await AnswerAsync(context, new GatewayError(503, ErrorKind.Unavailable, StorageUnavailable.Message, "storage_unavailable")
            {
                RetryAfter = StorageUnavailable.RetryAfter,
            });
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogUnhandled(logger, context.Request.Method, context.Request.Path, e);
            await AnswerAsync(context, new GatewayError(500, ErrorKind.Internal, "The proxy failed to handle this request.", "internal_error"));
        }
        catch (Exception)
        {
            // The client went away mid-request: nothing to answer, nothing wrong.
        }
    }

    private Task AnswerAsync(HttpContext context, GatewayError error)
    {
        // Bytes already sent, or written and waiting for a flush (a stream's held-back opening), cannot be taken back:
        // an error body after them would corrupt the answer, so the connection is cut instead.
        var writer = context.Response.BodyWriter;
        if (context.Response.HasStarted || (writer.CanGetUnflushedBytes && writer.UnflushedBytes > 0))
        {
            context.Abort();
            return Task.CompletedTask;
        }
        context.Response.Clear();
        RequestIds.SetHeaders(context);
        return errors.WriteAsync(context, error);
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "{Method} {Path}: the client's request could not be read ({Status}): {Reason}")]
    private static partial void LogClientFault(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "{Method} {Path}: the database cannot be used at the moment (answered 503): {Reason}")]
    private static partial void LogStorageUnavailable(ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
