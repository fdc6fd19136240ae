using System.ClientModel;
using System.Text.Json;
using LlmProxy.Testing;
using Microsoft.Data.Sqlite;
using OpenAI.Responses;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIResponses;

/// <summary>The official OpenAI client's Responses API through the proxy to providers reached by translation.</summary>
public sealed class ResponsesClientTests(ResponsesHost host) : IClassFixture<ResponsesHost>
{
    private static readonly ResponseTool Weather = ResponseTool.CreateFunctionTool("get_weather",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""), strictModeEnabled: false, "Current weather in a city");

    public static TheoryData<string> Providers => new() { "claude", "gemini", "bedrock" };

    /// <summary>Every provider family: the three reached by translation and OpenAI, whose Responses API is passed through.</summary>
    public static TheoryData<string> AllProviders => new() { "claude", "gemini", "bedrock", "openai" };

    [Theory]
    [MemberData(nameof(AllProviders))]
    public async Task CreateResponse_EachProvider_AnswersAndIsRetrievable(string alias)
    {
        var client = host.Client();

        ResponseResult created = await client.CreateResponseAsync(alias, "Say hello");

        Assert.StartsWith("resp_", created.Id);
        Assert.Equal(ResponseStatus.Completed, created.Status);
        Assert.Equal(alias == "openai" ? "gpt-4.1-2025-04-14" : alias, created.Model); // a native answer names the provider's model, untouched
        Assert.Equal(ResponsesHost.ReplyOf(alias), created.GetOutputText());
        Assert.True(created.Usage.InputTokenCount > 0 && created.Usage.OutputTokenCount > 0, "usage must come back in OpenAI's names");
        Assert.Equal(created.Usage.InputTokenCount + created.Usage.OutputTokenCount, created.Usage.TotalTokenCount);

        ResponseResult fetched = await client.GetResponseAsync(created.Id);
        Assert.Equal((created.Id, created.GetOutputText()), (fetched.Id, fetched.GetOutputText()));
        var items = new List<ResponseItem>();
        await foreach (var item in client.GetResponseInputItemsAsync(created.Id))
        {
            items.Add(item);
        }
        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(items));
        Assert.Equal("Say hello", message.Content[0].Text);
    }

    [Theory]
    [MemberData(nameof(AllProviders))]
    public async Task CreateResponseStreaming_EachProvider_AssemblesTheSameResponseAsTheStoredOne(string alias)
    {
        var client = host.Client();
        var deltas = new System.Text.StringBuilder();
        var sequence = new List<int>();
        var kinds = new List<StreamingResponseUpdateKind>();
        ResponseResult? completed = null;

        await foreach (var update in await client.CreateResponseStreamingAsync(alias, "Say hello"))
        {
            sequence.Add(update.SequenceNumber);
            kinds.Add(update.Kind);
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                deltas.Append(delta.Delta);
            }
            if (update is StreamingResponseCompletedUpdate done)
            {
                completed = done.Response;
            }
        }

        Assert.Equal(Enumerable.Range(0, sequence.Count), sequence);
        Assert.Equal([StreamingResponseUpdateKind.ResponseCreated, StreamingResponseUpdateKind.ResponseInProgress, StreamingResponseUpdateKind.ResponseOutputItemAdded,
            StreamingResponseUpdateKind.ResponseContentPartAdded], kinds.Take(4));
        Assert.Equal([StreamingResponseUpdateKind.ResponseOutputTextDone, StreamingResponseUpdateKind.ResponseContentPartDone,
            StreamingResponseUpdateKind.ResponseOutputItemDone, StreamingResponseUpdateKind.ResponseCompleted], kinds.TakeLast(4));
        Assert.NotNull(completed);
        Assert.Equal(ResponsesHost.ReplyOf(alias), deltas.ToString());
        Assert.Equal(ResponsesHost.ReplyOf(alias), completed.GetOutputText());
        ResponseResult stored = await client.GetResponseAsync(completed.Id);
        Assert.Equal(completed.GetOutputText(), stored.GetOutputText());
        Assert.Equal(completed.Usage.TotalTokenCount, stored.Usage.TotalTokenCount);
    }

    [Theory]
    [MemberData(nameof(AllProviders))]
    public async Task PreviousResponseId_FunctionCallRoundTrip_ProviderSeesTheWholeConversation(string alias)
    {
        var client = host.Client();
        var first = await client.CreateResponseAsync(new CreateResponseOptions(alias, [ResponseItem.CreateUserMessageItem("Weather in Paris?")]) { Tools = { Weather } });
        var call = Assert.Single(first.Value.OutputItems.OfType<FunctionCallResponseItem>());
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments.ToString()).RootElement.GetProperty("city").GetString());

        var second = await client.CreateResponseAsync(new CreateResponseOptions(alias, [ResponseItem.CreateFunctionCallOutputItem(call.CallId, "sunny, 21 C")])
        {
            PreviousResponseId = first.Value.Id,
            Tools = { Weather },
        });

        Assert.Equal(ResponsesHost.ReplyOf(alias), second.Value.GetOutputText());
        Assert.Equal(first.Value.Id, second.Value.PreviousResponseId);
        var sent = LastRequestText(alias);
        // Translated, the conversation is rebuilt from the store; native, OpenAI resolves the id it holds.
        Assert.Contains(alias == "openai" ? first.Value.Id : "Weather in Paris?", sent);
        Assert.Contains("sunny, 21 C", sent);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StatelessToolLoop_ClaudeThinking_SignatureTravelsSealedInEncryptedContent(bool stream)
    {
        var client = host.Client();
        List<ResponseItem> conversation = [ResponseItem.CreateUserMessageItem("Weather in Paris?")];
        var options = new CreateResponseOptions("claude", conversation)
        {
            Tools = { Weather },
            StoredOutputEnabled = false,
            ReasoningOptions = new ResponseReasoningOptions { ReasoningEffortLevel = ResponseReasoningEffortLevel.Low },
            IncludedProperties = { IncludedResponseProperty.ReasoningEncryptedContent },
            MaxOutputTokenCount = 8000,
        };

        var first = await ResponsesHost.CreateAsync(client, options, stream);

        var reasoning = Assert.Single(first.OutputItems.OfType<ReasoningResponseItem>());
        Assert.StartsWith("llmp1.", reasoning.EncryptedContent);
        Assert.DoesNotContain(AnthropicStreamScript.ThinkingSignature, reasoning.EncryptedContent);
        Assert.Equal(AnthropicStreamScript.ThinkingText, reasoning.GetSummaryText());
        var call = Assert.Single(first.OutputItems.OfType<FunctionCallResponseItem>());

        // What Codex does: no store, the whole conversation sent back each turn.
        var next = new CreateResponseOptions("claude", [.. conversation, .. first.OutputItems, ResponseItem.CreateFunctionCallOutputItem(call.CallId, "sunny")])
        {
            Tools = { Weather },
            StoredOutputEnabled = false,
            ReasoningOptions = options.ReasoningOptions,
            IncludedProperties = { IncludedResponseProperty.ReasoningEncryptedContent },
            MaxOutputTokenCount = 8000,
        };
        var second = await ResponsesHost.CreateAsync(client, next, stream);

        Assert.Equal(ResponsesHost.ReplyOf("claude"), second.GetOutputText());
        var sent = host.Anthropic.Requests[^1].Json.GetProperty("messages")[1].GetProperty("content")[0];
        Assert.Equal(("thinking", AnthropicStreamScript.ThinkingSignature), (sent.GetProperty("type").GetString(), sent.GetProperty("signature").GetString()));
        await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(first.Id));
    }

    [Fact]
    public async Task StatelessToolLoop_ForgedEncryptedContent_GivesNoSignatureToTheProvider()
    {
        var client = host.Client();
        var forged = ResponseItem.CreateReasoningItem(AnthropicStreamScript.ThinkingText);
        forged.EncryptedContent = "llmp1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        var options = new CreateResponseOptions("claude", [ResponseItem.CreateUserMessageItem("Weather in Paris?"), forged,
            ResponseItem.CreateFunctionCallItem("toolu_01A09q90qw90lq917835lq9", "get_weather", BinaryData.FromString("""{"city":"Paris"}""")),
            ResponseItem.CreateFunctionCallOutputItem("toolu_01A09q90qw90lq917835lq9", "sunny")])
        {
            Tools = { Weather },
            StoredOutputEnabled = false,
            ReasoningOptions = new ResponseReasoningOptions { ReasoningEffortLevel = ResponseReasoningEffortLevel.Low },
            MaxOutputTokenCount = 8000,
        };

        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.CreateResponseAsync(options));

        Assert.Equal(400, error.Status);
        Assert.Contains("thinking", error.Message); // Claude's own refusal: the forged item carried no signature to it
    }

    [Fact]
    public async Task StoreFalse_Response_LeavesNoRowAndIsNotRetrievable()
    {
        var client = host.Client();

        ResponseResult created = await client.CreateResponseAsync(new CreateResponseOptions("gemini", [ResponseItem.CreateUserMessageItem("Say hello")]) { StoredOutputEnabled = false });

        Assert.Equal(ResponsesHost.ReplyOf("gemini"), created.GetOutputText());
        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(created.Id));
        Assert.Equal(404, error.Status);
        Assert.Equal(0, CountRows(host.Proxy.DatabasePath, created.Id));
    }

    [Fact]
    public async Task OtherKey_StoredResponse_IsNotFoundEverywhere()
    {
        var created = (await host.Client().CreateResponseAsync("claude", "Say hello")).Value;
        var other = host.Client(ResponsesHost.OtherKey);

        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => other.GetResponseAsync(created.Id))).Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => other.DeleteResponseAsync(created.Id))).Status);
        using var items = await host.Proxy.Client.SendAsync(WithKey(HttpMethod.Get, $"/v1/responses/{created.Id}/input_items", ResponsesHost.OtherKey));
        Assert.Equal(404, (int)items.StatusCode);
        var continued = await Assert.ThrowsAsync<ClientResultException>(() => other.CreateResponseAsync("claude", "And then?", created.Id));
        Assert.Equal(400, continued.Status);
        Assert.Contains("previous_response_not_found", continued.Message);
        Assert.Equal(created.Id, (await host.Client().GetResponseAsync(created.Id)).Value.Id); // still there for its owner
    }

    [Fact]
    public async Task InputItems_NestedDeeperThanJsonsDefault_ListedNot500()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100);
        using var create = await host.Proxy.Client.PostAsync("/v1/responses", new StringContent(
            $$"""{"model":"claude","input":[{"role":"user","content":"Say hello","extra":{{deep}}}]}""", System.Text.Encoding.UTF8, "application/json"));
        var id = JsonDocument.Parse(await create.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        using var items = await host.Proxy.Client.GetAsync($"/v1/responses/{id}/input_items");

        Assert.Equal(200, (int)items.StatusCode);
        Assert.Contains("\"extra\"", await items.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(AllProviders))]
    public async Task Background_EachProvider_QueuedThenCompletedAndCancelAnswersItAsItIs(string alias)
    {
        var client = host.Client();

        var created = (await client.CreateResponseAsync(new CreateResponseOptions(alias, [ResponseItem.CreateUserMessageItem("Say hello")]) { BackgroundModeEnabled = true })).Value;

        Assert.True(created.BackgroundModeEnabled);
        ResponseResult current = created;
        for (var i = 0; i < 200 && current.Status is ResponseStatus.Queued or ResponseStatus.InProgress; i++)
        {
            await Task.Delay(25);
            current = (await client.GetResponseAsync(created.Id)).Value;
        }
        Assert.Equal(ResponseStatus.Completed, current.Status);
        // A background run is the proxy's own, translated even for OpenAI (through Chat Completions).
        Assert.Equal(alias == "openai" ? ResponsesHost.ReplyOf("openai-chat") : ResponsesHost.ReplyOf(alias), current.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, (await client.CancelResponseAsync(created.Id)).Value.Status);
    }

    [Theory]
    [MemberData(nameof(AllProviders))]
    public async Task DeleteResponse_Stored_IsGoneForGetAndForContinuation(string alias)
    {
        var client = host.Client();
        var created = (await client.CreateResponseAsync(alias, "Say hello")).Value;

        ResponseDeletionResult deleted = await client.DeleteResponseAsync(created.Id);

        Assert.True(deleted.Deleted);
        Assert.Equal(created.Id, deleted.ResponseId);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(created.Id))).Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<ClientResultException>(() => client.DeleteResponseAsync(created.Id))).Status);
        var continued = await Assert.ThrowsAsync<ClientResultException>(() => client.CreateResponseAsync(alias, "And then?", created.Id));
        Assert.Contains("previous_response_not_found", continued.Message);
        Assert.Equal(0, CountRows(host.Proxy.DatabasePath, created.Id));
    }

    [Fact]
    public async Task InputItems_Paged_WalksEveryItemOnceInEitherOrder()
    {
        var client = host.Client();
        var created = (await client.CreateResponseAsync(new CreateResponseOptions("claude",
            [.. Enumerable.Range(1, 5).Select(i => (ResponseItem)ResponseItem.CreateUserMessageItem($"part {i}"))]))).Value;

        var ascending = new List<string>();
        await foreach (var item in client.GetResponseInputItemsAsync(new ResponseItemCollectionOptions(created.Id) { PageSizeLimit = 2, Order = ResponseItemCollectionOrder.Ascending }))
        {
            ascending.Add(((MessageResponseItem)item).Content[0].Text);
        }
        var descending = new List<string>();
        await foreach (var item in client.GetResponseInputItemsAsync(new ResponseItemCollectionOptions(created.Id) { PageSizeLimit = 2 }))
        {
            descending.Add(((MessageResponseItem)item).Content[0].Text);
        }

        Assert.Equal(["part 1", "part 2", "part 3", "part 4", "part 5"], ascending);
        Assert.Equal(["part 5", "part 4", "part 3", "part 2", "part 1"], descending);
    }

    [Theory]
    [MemberData(nameof(AllProviders))]
    public async Task Restart_SameDatabase_StoredResponsesAndContinuationsSurvive(string alias)
    {
        var folder = Directory.CreateTempSubdirectory("llm-proxy-restart-").FullName;
        var database = Path.Combine(folder, "proxy.db");
        try
        {
            string id;
            await using (var first = await ProxyHost.StartOnDatabaseAsync(database, host.ConfigJson()))
            {
                id = (await ResponsesHost.For(first).CreateResponseAsync(alias, "Say hello")).Value.Id;
            }
            await using var second = await ProxyHost.StartOnDatabaseAsync(database, host.ConfigJson());
            var client = ResponsesHost.For(second);

            Assert.Equal(ResponsesHost.ReplyOf(alias), (await client.GetResponseAsync(id)).Value.GetOutputText());
            var continued = (await client.CreateResponseAsync(alias, "And then?", id)).Value;
            Assert.Equal(id, continued.PreviousResponseId);
            if (alias != "openai")
            {
                Assert.Contains("Say hello", LastRequestText(alias)); // rebuilt from the store (OpenAI resolves its own id)
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private string LastRequestText(string alias) => alias switch
    {
        "claude" => host.Anthropic.Requests[^1].BodyText,
        "gemini" => host.Gemini.Requests[^1].BodyText,
        "openai" => host.OpenAI.Requests[^1].BodyText,
        _ => host.Bedrock.Requests[^1].BodyText,
    };

    private static HttpRequestMessage WithKey(HttpMethod method, string path, string key)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    // Looks in the file itself: "store: false stores no response" is about what is on disk.
    private static long CountRows(string database, string id)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM responses WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return (long)command.ExecuteScalar()!;
    }
}
