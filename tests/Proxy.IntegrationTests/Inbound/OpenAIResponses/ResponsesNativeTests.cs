using System.ClientModel;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;
using OpenAI.Responses;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIResponses;

/// <summary>
/// The Responses API passed through to a provider that serves it (OpenAI), and conversations that cross between a
/// native provider and translated ones: the proxy's stored copy lets each side continue what the other began.
/// </summary>
public sealed class ResponsesNativeTests(ResponsesHost host) : IClassFixture<ResponsesHost>
{
    private static readonly ResponseTool Weather = ResponseTool.CreateFunctionTool("get_weather",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}"""), strictModeEnabled: false, "Current weather in a city");

    [Fact]
    public async Task Create_NativeProvider_BodyPassesThroughWithOnlyTheModelRewritten()
    {
        const string body = """{"model":"openai","input":"Say hello","metadata":{"team":"a"},"temperature":0.2,"brand_new_field":{"x":[1,2]}}""";

        using var response = await host.Proxy.Client.PostAsync("/v1/responses", new StringContent(body, Encoding.UTF8, "application/json"));
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(ResponsesHost.ReplyOf("openai"), answer.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        var sent = host.OpenAI.Requests[^1];
        Assert.Equal("/v1/responses", sent.PathAndQuery);
        Assert.Equal("Bearer " + FakeOpenAI.Key, sent.Header("Authorization"));
        Assert.Equal(body.Replace("\"model\":\"openai\"", "\"model\":\"gpt-4.1\""), sent.BodyText);
        Assert.Equal("openai/gpt-4.1", response.Headers.GetValues("x-llm-proxy-deployment").Single());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Create_NativeProvider_ProxyKeepsACopyForRetrievalAndOwnership(bool stream)
    {
        var client = host.Client();
        var created = await ResponsesHost.CreateAsync(client, new CreateResponseOptions("openai", [ResponseItem.CreateUserMessageItem("Say hello")]), stream);

        Assert.Equal(ResponsesHost.ReplyOf("openai"), created.GetOutputText());
        var fetched = (await client.GetResponseAsync(created.Id)).Value;
        Assert.Equal(created.GetOutputText(), fetched.GetOutputText());
        var items = new List<ResponseItem>();
        await foreach (var item in client.GetResponseInputItemsAsync(created.Id))
        {
            items.Add(item);
        }
        Assert.Equal("Say hello", ((MessageResponseItem)Assert.Single(items)).Content[0].Text);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => host.Client(ResponsesHost.OtherKey).GetResponseAsync(created.Id))).Status);
    }

    [Fact]
    public async Task PreviousResponseId_NativeChain_PassesThroughForTheProviderToResolve()
    {
        var client = host.Client();
        var first = (await client.CreateResponseAsync(new CreateResponseOptions("openai", [ResponseItem.CreateUserMessageItem("Weather in Paris?")]) { Tools = { Weather } })).Value;
        var call = Assert.Single(first.OutputItems.OfType<FunctionCallResponseItem>());

        var second = (await client.CreateResponseAsync(new CreateResponseOptions("openai", [ResponseItem.CreateFunctionCallOutputItem(call.CallId, "sunny")])
        {
            PreviousResponseId = first.Id,
            Tools = { Weather },
        })).Value;

        Assert.Equal(ResponsesHost.ReplyOf("openai"), second.GetOutputText());
        var sent = host.OpenAI.Requests[^1];
        Assert.Equal("/v1/responses", sent.PathAndQuery);
        Assert.Equal(first.Id, sent.Json.GetProperty("previous_response_id").GetString());
    }

    [Fact]
    public async Task PreviousResponseId_OtherKeysNativeResponse_RefusedBeforeTheProviderSeesIt()
    {
        var created = (await host.Client().CreateResponseAsync("openai", "Say hello")).Value;
        var before = host.OpenAI.Requests.Count;

        var error = await Assert.ThrowsAsync<ClientResultException>(() => host.Client(ResponsesHost.OtherKey).CreateResponseAsync("openai", "What did I say?", created.Id));

        Assert.Equal(400, error.Status);
        Assert.Contains("previous_response_not_found", error.Message);
        Assert.Equal(before, host.OpenAI.Requests.Count); // the operator's OpenAI account would have answered it
    }

    [Fact]
    public async Task PreviousResponseId_TranslatedChainOnANativeProvider_IsTranslatedWithTheWholeConversation()
    {
        var client = host.Client();
        var first = (await client.CreateResponseAsync("claude", "My name is Ada.")).Value;

        var second = (await client.CreateResponseAsync("openai", "What is my name?", first.Id)).Value;

        Assert.Equal(ResponsesHost.ReplyOf("openai-chat"), second.GetOutputText());
        var sent = host.OpenAI.Requests[^1];
        Assert.Equal("/v1/chat/completions", sent.PathAndQuery); // OpenAI never saw the first response: it gets the conversation
        var messages = sent.Json.GetProperty("messages");
        Assert.Equal(["My name is Ada.", ResponsesHost.ReplyOf("claude"), "What is my name?"],
            messages.EnumerateArray().Select(m => m.GetProperty("content").ValueKind == JsonValueKind.String ? m.GetProperty("content").GetString() : m.GetProperty("content")[0].GetProperty("text").GetString()));
    }

    [Fact]
    public async Task PreviousResponseId_NativeChainOnATranslatedProvider_RebuiltFromTheStoredCopy()
    {
        var client = host.Client();
        var first = (await client.CreateResponseAsync("openai", "My name is Ada.")).Value;

        var second = (await client.CreateResponseAsync("claude", "What is my name?", first.Id)).Value;

        Assert.Equal(ResponsesHost.ReplyOf("claude"), second.GetOutputText());
        var sent = host.Anthropic.Requests[^1].BodyText;
        Assert.Contains("My name is Ada.", sent);
        Assert.Contains(ResponsesHost.ReplyOf("openai"), sent);
    }

    [Fact]
    public async Task Create_AzureWithResponsesApi_PassesThroughToItsV1SurfaceWithItsKey()
    {
        await using var azure = await FakeOpenAI.StartAsync(FakeOpenAIFlavor.Azure);
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("az", $$"""{ "type": "azure", "baseUrl": "{{azure.BaseUrl}}", "apiKey": "{{FakeOpenAI.Key}}", "responsesApi": true }"""));

        var created = (await ResponsesHost.For(proxy).CreateResponseAsync("az", "Say hello")).Value;

        Assert.Equal(ResponsesHost.ReplyOf("openai"), created.GetOutputText());
        var sent = Assert.Single(azure.Requests);
        Assert.Equal(("/openai/v1/responses", FakeOpenAI.Key), (sent.PathAndQuery, sent.Header("api-key")));
        Assert.Equal("upstream-model-0", sent.Json.GetProperty("model").GetString());
    }

    [Fact]
    public async Task StoreFalse_NativeProvider_NoCopyIsKept()
    {
        var client = host.Client();

        var created = (await client.CreateResponseAsync(new CreateResponseOptions("openai", [ResponseItem.CreateUserMessageItem("Say hello")]) { StoredOutputEnabled = false })).Value;

        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(created.Id))).Status);
        Assert.False(host.OpenAI.Requests[^1].Json.GetProperty("store").GetBoolean());
    }

}
