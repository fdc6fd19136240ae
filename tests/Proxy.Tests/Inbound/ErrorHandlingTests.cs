using System.Text.Json;
using LlmProxy.Inbound;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmProxy.Tests.Inbound;

public sealed class ErrorHandlingTests
{
    [Fact]
    public async Task Invoke_HandlerThrowsBeforeAnswering_Is500InOpenAIShape()
    {
        var context = NewContext();
        var handling = new ErrorHandling(_ => throw new InvalidOperationException("bug"), new ErrorResponder(), NullLogger<ErrorHandling>.Instance);

        await handling.InvokeAsync(context);

        Assert.Equal(500, context.Response.StatusCode);
        var error = JsonDocument.Parse(Body(context)).RootElement.GetProperty("error");
        Assert.Equal("internal_error", error.GetProperty("code").GetString());
        Assert.DoesNotContain("bug", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Invoke_HandlerFailsAsynchronously_Is500()
    {
        var context = NewContext();
        var handling = new ErrorHandling(async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException("bug");
        }, new ErrorResponder(), NullLogger<ErrorHandling>.Instance);

        await handling.InvokeAsync(context);

        Assert.Equal(500, context.Response.StatusCode);
    }

    [Fact]
    public async Task Invoke_ClientAlreadyGone_SwallowsTheFailure()
    {
        var context = NewContext();
        using var aborted = new CancellationTokenSource();
        aborted.Cancel();
        context.RequestAborted = aborted.Token;
        var handling = new ErrorHandling(_ => throw new IOException("reset"), new ErrorResponder(), NullLogger<ErrorHandling>.Instance);

        await handling.InvokeAsync(context);

        Assert.Equal(0, context.Response.Body.Length);
    }

    private static DefaultHttpContext NewContext() => new() { Response = { Body = new MemoryStream() } };

    private static string Body(HttpContext context) => System.Text.Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
}
