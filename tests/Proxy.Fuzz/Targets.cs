using System.Buffers;
using System.Text;
using LlmProxy.Admin;
using LlmProxy.Config;
using LlmProxy.Hosting;
using LlmProxy.Inbound;
using LlmProxy.Inbound.Anthropic;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Inbound.OpenAIResponses;
using LlmProxy.Providers;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Providers.Bedrock;
using LlmProxy.Providers.Gemini;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Routing;
using LlmProxy.Streaming;
using LlmProxy.Testing;
using LlmProxy.Wire.Anthropic;
using LlmProxy.Wire.OpenAI;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmProxy.Fuzz;

/// <summary>Every parser that reads bytes from a client, a provider or a file, with its seeds.</summary>
internal static class Targets
{
    private const string Seeds = "tests/Proxy.Fuzz/Seeds";
    private const string Fixtures = "tests/Proxy.Tests/Fixtures";

    public static readonly FuzzTarget[] All =
    [
        new("chat-request", "OpenAIChatEnvelopeReader, OpenAIChatRequestReader, then every translating provider",
            FuzzTarget.Files($"{Seeds}/chat"), JsonRegions.Whole, ChatRequest),
        new("messages-request", "AnthropicEnvelopeReader, AnthropicRequestReader, then every translating provider",
            FuzzTarget.Files($"{Seeds}/messages"), JsonRegions.Whole, MessagesRequest),
        new("responses-request", "ResponsesEnvelopeReader, ResponsesRequestReader, then every translating provider",
            FuzzTarget.Files($"{Seeds}/responses"), JsonRegions.Whole, ResponsesRequest),
        new("responses-compact", "ResponsesEnvelopeReader, ResponsesCompactReader, then every translating provider",
            FuzzTarget.Files($"{Seeds}/responses"), JsonRegions.Whole, ResponsesCompact),
        new("responses-relay", "ResponsesStreamFilter (pass-through, keeping the final Response)", FuzzTarget.Files($"{Seeds}/responses-stream"), JsonRegions.SseData,
            input => Relay(input, new ResponsesStreamFilter(keepFinal: true))) { RefusesRecordedFailures = true },
        new("sse", "SseEventSplitter, SseEventParser", SseFixtures(), JsonRegions.SseData, Sse),
        new("aws-event-stream", "AwsEventStreamDecoder", EventStreams(), JsonRegions.Whole, EventStream),
        Stream("openai-stream", "OpenAIAnswerTranslator", FuzzTarget.Files($"{Fixtures}/openai"), () => new OpenAIAnswerTranslator(0)),
        Stream("anthropic-stream", "AnthropicAnswerTranslator", FuzzTarget.Files($"{Fixtures}/anthropic"), () => new AnthropicAnswerTranslator("json_tool", 0)),
        Stream("gemini-stream", "GeminiAnswerTranslator", FuzzTarget.Files($"{Fixtures}/gemini"), () => new GeminiAnswerTranslator(0, "gemini-2.5-flash")),
        Stream("bedrock-stream", "BedrockAnswerTranslator (AWS event-stream)", FuzzTarget.Files($"{Fixtures}/bedrock"),
            () => new BedrockAnswerTranslator("amazon.nova-pro-v1:0", "json_tool", 0)) with { Regions = JsonRegions.EventLines, Encode = bytes => AwsEventStreamWriter.EncodeLines(bytes) },
        Body("openai-answer", "OpenAIAnswerTranslator", "openai.json", () => new OpenAIAnswerTranslator(0)),
        Body("anthropic-answer", "AnthropicAnswerTranslator", "anthropic.json", () => new AnthropicAnswerTranslator("json_tool", 0)),
        Body("gemini-answer", "GeminiAnswerTranslator", "gemini.json", () => new GeminiAnswerTranslator(0, "gemini-2.5-flash")),
        Body("bedrock-answer", "BedrockAnswerTranslator", "bedrock.json", () => new BedrockAnswerTranslator("amazon.nova-pro-v1:0", "json_tool", 0)),
        new("openai-relay", "OpenAIChatStreamFilter (pass-through)", FuzzTarget.Files($"{Fixtures}/openai"), JsonRegions.SseData,
            input => Relay(input, new OpenAIChatStreamFilter(clientWantsUsage: (input.Knob & 1) == 1))) { RefusesRecordedFailures = true },
        new("anthropic-relay", "AnthropicStreamFilter (pass-through)", FuzzTarget.Files($"{Fixtures}/anthropic"), JsonRegions.SseData,
            input => Relay(input, new AnthropicStreamFilter())) { RefusesRecordedFailures = true },
        new("usage-document", "OpenAIUsageReader, AnthropicUsage (pass-through answers)",
            [.. FuzzTarget.Files($"{Seeds}/answers", "openai.json"), .. FuzzTarget.Files($"{Seeds}/answers", "anthropic.json")], JsonRegions.Whole,
            input => OpenAIUsageReader.ReadDocument(input.Bytes) is not null | AnthropicUsage.ReadDocument(input.Bytes) is not null),
        new("error-body", "OpenAIErrorMapper, BedrockErrorMapper", FuzzTarget.Files($"{Seeds}/errors"), JsonRegions.Whole, ErrorBody),
        new("admin-body", "AdminBody.Parse, AccessFieldsReader (every field set of the admin API)", FuzzTarget.Files($"{Seeds}/admin"), JsonRegions.Whole,
            AdminBodyFields),
        new("reservation", "TokenReservation (the tokens a request reserves, read from any dialect's body)",
            [.. FuzzTarget.Files($"{Seeds}/chat"), .. FuzzTarget.Files($"{Seeds}/messages"), .. FuzzTarget.Files($"{Seeds}/responses")], JsonRegions.Whole,
            Reservation),
        new("config", "ConfigLoader, ProxyRuntime.Build", [.. FuzzTarget.Files("config", "*.json"), .. FuzzTarget.Files("config/examples")],
            JsonRegions.Whole, Config),
    ];

    public static TheoryData<string> Names => [.. All.Select(target => target.Name)];

    public static FuzzTarget Named(string name) => All.Single(target => target.Name == name);

    private static bool ChatRequest(FuzzInput input)
    {
        if (!OpenAIChatEnvelopeReader.TryRead(input.Bytes, out _, out _) || !OpenAIChatRequestReader.TryRead(input.Bytes, out var request, out _))
        {
            return false;
        }
        TranslatingProviders.Carry(request!);
        return true;
    }

    // One sealing key for the whole run: sealed content in a seed or a mutation is read like a client's.
    private static readonly ReasoningSeal Seal = new(new byte[32]);

    private static bool ResponsesRequest(FuzzInput input)
    {
        if (!ResponsesEnvelopeReader.TryRead(input.Bytes, out _, out var envelope, out _))
        {
            return false;
        }
        var exchange = new ResponsesExchange("fuzz", 0) { Store = envelope.Store || (input.Knob & 1) == 1 };
        if (!ResponsesRequestReader.TryRead(input.Bytes, exchange, [], Seal, out var request, out _))
        {
            return false;
        }
        TranslatingProviders.Carry(request!);
        return true;
    }

    private static bool ResponsesCompact(FuzzInput input)
    {
        if (!ResponsesEnvelopeReader.TryRead(input.Bytes, out _, out _, out _) || !new ResponsesCompactReader(input.Bytes, [], Seal).TryRead(out var request, out _))
        {
            return false;
        }
        TranslatingProviders.Carry(request!);
        return true;
    }

    private static bool MessagesRequest(FuzzInput input)
    {
        if (!AnthropicEnvelopeReader.TryRead(input.Bytes, out _, out _)
            || !AnthropicRequestReader.TryRead(input.Bytes, out var request, out _, requireMaxTokens: (input.Knob & 1) == 0))
        {
            return false;
        }
        TranslatingProviders.Carry(request!);
        return true;
    }

    private static bool Sse(FuzzInput input)
    {
        var parser = new SseEventParser();
        var events = 0;
        Feed.Run(input.Bytes, input.Arrival, input.Knob, (ref ReadOnlySequence<byte> buffer, bool isLast) =>
        {
            while (SseEventSplitter.TryRead(ref buffer, out var sseEvent, out _))
            {
                events += parser.Parse(sseEvent).HasData ? 1 : 0;
            }
            if (isLast && !buffer.IsEmpty)
            {
                events += parser.Parse(buffer).HasData ? 1 : 0;
                buffer = buffer.Slice(buffer.End);
            }
            return false;
        });
        return events > 0;
    }

    private static bool EventStream(FuzzInput input)
    {
        var decoder = new AwsEventStreamDecoder();
        var valid = true;
        Feed.Run(input.Bytes, input.Arrival, input.Knob, (ref ReadOnlySequence<byte> buffer, bool isLast) =>
        {
            OperationStatus status;
            while ((status = decoder.TryRead(ref buffer, out _)) == OperationStatus.Done)
            {
            }
            valid = status != OperationStatus.InvalidData && !(isLast && !buffer.IsEmpty);
            return !valid;
        });
        return valid;
    }

    private static FuzzTarget Stream(string name, string parser, Seed[] seeds, Func<IAnswerTranslator> create) =>
        new(name, parser, seeds, JsonRegions.SseData, input =>
        {
            var translator = create();
            var sink = new CheckingSink();
            ProviderError? error = null;
            Feed.Run(input.Bytes, input.Arrival, input.Knob, (ref ReadOnlySequence<byte> buffer, bool isLast) =>
                (error = translator.TranslateFrames(ref buffer, isLast, sink)) is not null);
            return error is null && translator.Finished;
        }) { RefusesRecordedFailures = true };

    private static FuzzTarget Body(string name, string parser, string seed, Func<IAnswerTranslator> create) =>
        new(name, parser, FuzzTarget.Files($"{Seeds}/answers", seed), JsonRegions.Whole,
            input => create().TranslateBody(input.Bytes, new CheckingSink()) is null);

    private static bool Relay(FuzzInput input, SseRelayFilter filter)
    {
        var output = new ArrayBufferWriter<byte>();
        Feed.Run(input.Bytes, input.Arrival, input.Knob, (ref ReadOnlySequence<byte> buffer, bool isLast) =>
        {
            filter.Process(ref buffer, output);
            if (isLast)
            {
                filter.ProcessRemainder(buffer, output);
                buffer = buffer.Slice(buffer.End);
            }
            return false;
        });
        return filter.Done && !filter.ProviderSentError;
    }

    private static bool ErrorBody(FuzzInput input)
    {
        var status = 400 + input.Knob % 200;
        var retryAfter = (input.Knob & 1) == 1 ? TimeSpan.FromSeconds(input.Knob % 120) : (TimeSpan?)null;
        var openAI = OpenAIErrorMapper.Map(status, input.Bytes, retryAfter);
        var bedrock = BedrockErrorMapper.Map(status, input.Bytes, retryAfter);
        return openAI.Message.Length > 0 && bedrock.Message.Length > 0;
    }

    // The catalog admin bodies name models from: the default config's.
    private static readonly Lazy<ModelCatalog> Catalog = new(() => ProxyRuntime.Build(ConfigLoader.LoadFile(Path.Combine(RepositoryRoot.Path, "config", "proxy.json")),
        new ProviderServices(new HttpMessageInvoker(new HttpClientHandler()), TimeProvider.System, NullLoggerFactory.Instance)).Catalog);

    private static bool AdminBodyFields(FuzzInput input)
    {
        var (document, _) = AdminBody.Parse(input.Bytes);
        if (document is null)
        {
            return false;
        }
        using (document)
        {
            var accepted = false;
            foreach (var allowed in (string[][])[AccessFieldsReader.KeyCreate, AccessFieldsReader.KeyUpdate, AccessFieldsReader.TeamFields, AccessFieldsReader.Rotate])
            {
                accepted |= AccessFieldsReader.Read(document.RootElement, allowed, Catalog.Value, DateTimeOffset.UnixEpoch, out _) is null;
            }
            return accepted;
        }
    }

    private static bool Reservation(FuzzInput input)
    {
        var (inputTokens, outputLimit) = TokenReservation.Estimate(input.Bytes);
        if (inputTokens < 0 || outputLimit is < 0 or > int.MaxValue)
        {
            throw new InvalidOperationException($"a reservation must be a count: {inputTokens} input, {outputLimit} output");
        }
        return true;
    }

    private static bool Config(FuzzInput input)
    {
        try
        {
            // As LoadFile reads a file: UTF-8, invalid bytes replaced.
            var config = ConfigLoader.Parse(Encoding.UTF8.GetString(input.Bytes), "fuzz.json",
                new EnvironmentExpander(name => (input.Knob & 1) == 1 ? null : name.EndsWith("REGION") ? "eu-west-1" : "value-of-" + name));
            ProxyRuntime.Build(config, new ProviderServices(new HttpMessageInvoker(new HttpClientHandler()), TimeProvider.System, NullLoggerFactory.Instance));
            return true;
        }
        catch (ConfigException)
        {
            return false;
        }
    }

    private static Seed[] SseFixtures() =>
        [.. new[] { "openai", "anthropic", "gemini" }.SelectMany(provider => FuzzTarget.Files($"{Fixtures}/{provider}"))];

    private static Seed[] EventStreams() =>
        [.. FuzzTarget.Files($"{Fixtures}/bedrock").Select(seed => seed with { Bytes = AwsEventStreamWriter.EncodeLines(seed.Bytes) })];
}
