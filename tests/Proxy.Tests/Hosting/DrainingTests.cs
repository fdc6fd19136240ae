using System.Text.Json;
using LlmProxy.Config;
using LlmProxy.Hosting;
using LlmProxy.Inbound;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmProxy.Tests.Hosting;

/// <summary>What a request that arrives on an open keep-alive connection after the stop began gets: 503 draining, Connection: close.</summary>
public sealed class DrainingTests
{
    [Theory]
    [InlineData("/health", "error.code")]
    [InlineData("/v1/chat/completions", "error.code")]
    [InlineData("/v1/messages", "error.type")]
    public async Task Request_AfterTheStopBegan_Is503DrainingInItsDialectWithConnectionClose(string path, string field)
    {
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var draining = new Draining(lifetime, new ServerOptions(ServerOptions.DefaultUrls, ServerOptions.DefaultMaxBodyBytes), new ErrorResponder());
        var reached = false;
        var pipeline = draining.Wrap(_ =>
        {
            reached = true;
            return Task.CompletedTask;
        });
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        context.Response.Body = new MemoryStream();

        lifetime.StopApplication();
        await pipeline(context);

        Assert.False(reached, "nothing new may start once the proxy drains");
        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("close", context.Response.Headers.Connection.ToString());
        context.Response.Body.Position = 0;
        var error = JsonDocument.Parse(context.Response.Body).RootElement.GetProperty("error");
        Assert.Equal(field == "error.code" ? "draining" : "overloaded_error", error.GetProperty(field[6..]).GetString());
    }

    [Fact]
    public async Task Request_BeforeTheStop_PassesThrough()
    {
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var draining = new Draining(lifetime, new ServerOptions(ServerOptions.DefaultUrls, ServerOptions.DefaultMaxBodyBytes), new ErrorResponder());
        var reached = false;

        await draining.Wrap(_ =>
        {
            reached = true;
            return Task.CompletedTask;
        })(new DefaultHttpContext());

        Assert.True(reached);
    }

    [Fact]
    public void Deadline_FiresOnlyOnceTheStopBeganAndTheDrainTimeRanOut()
    {
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var server = new ServerOptions(ServerOptions.DefaultUrls, ServerOptions.DefaultMaxBodyBytes) { DrainTimeoutMs = 2_000 };
        var draining = new Draining(lifetime, server, new ErrorResponder());
        Assert.False(draining.Deadline.IsCancellationRequested);

        lifetime.StopApplication();
        var stopped = DateTime.UtcNow;

        Assert.True(draining.Deadline.WaitHandle.WaitOne(TimeSpan.FromSeconds(20)));
        Assert.True(DateTime.UtcNow - stopped >= TimeSpan.FromMilliseconds(1_900), "the deadline came before the drain time ran out");
    }
}
