namespace LlmProxy.Testing;

/// <summary>
/// Decodes an OTLP/HTTP protobuf trace export (<c>ExportTraceServiceRequest</c>, opentelemetry-proto
/// collector/trace/v1/trace_service.proto and trace/v1/trace.proto) into <see cref="OtlpSpan"/>s, with
/// <see cref="ProtobufReader"/>. Field numbers are the proto's; fields not listed are skipped.
/// </summary>
public static class OtlpTraceDecoder
{
    public static List<OtlpSpan> Decode(ReadOnlySpan<byte> exportRequest)
    {
        var spans = new List<OtlpSpan>();
        var reader = new ProtobufReader(exportRequest);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == ProtobufReader.LengthDelimited)
            {
                ReadResourceSpans(reader.ReadLengthDelimited(), spans); // ExportTraceServiceRequest.resource_spans
            }
            else
            {
                reader.Skip(wire);
            }
        }
        return spans;
    }

    private static void ReadResourceSpans(ReadOnlySpan<byte> message, List<OtlpSpan> spans)
    {
        // ResourceSpans: resource = 1, scope_spans = 2. The resource usually comes first, but the wire does not promise it.
        var resource = new Dictionary<string, object>();
        var scopes = new List<byte[]>();
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, ProtobufReader.LengthDelimited):
                    ReadAttributesOf(reader.ReadLengthDelimited(), attributesField: 1, resource); // Resource.attributes = 1
                    break;
                case (2, ProtobufReader.LengthDelimited):
                    scopes.Add(reader.ReadLengthDelimited().ToArray());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        foreach (var scope in scopes)
        {
            ReadScopeSpans(scope, resource, spans);
        }
    }

    private static void ReadScopeSpans(ReadOnlySpan<byte> message, IReadOnlyDictionary<string, object> resource, List<OtlpSpan> spans)
    {
        // ScopeSpans: scope = 1 (InstrumentationScope: name = 1), spans = 2.
        var scopeName = "";
        var encoded = new List<byte[]>();
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, ProtobufReader.LengthDelimited):
                    var scope = new ProtobufReader(reader.ReadLengthDelimited());
                    while (scope.TryReadTag(out var scopeField, out var scopeWire))
                    {
                        if (scopeField == 1 && scopeWire == ProtobufReader.LengthDelimited)
                        {
                            scopeName = scope.ReadString();
                        }
                        else
                        {
                            scope.Skip(scopeWire);
                        }
                    }
                    break;
                case (2, ProtobufReader.LengthDelimited):
                    encoded.Add(reader.ReadLengthDelimited().ToArray());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        foreach (var span in encoded)
        {
            spans.Add(ReadSpan(span, scopeName, resource));
        }
    }

    private static OtlpSpan ReadSpan(ReadOnlySpan<byte> message, string scopeName, IReadOnlyDictionary<string, object> resource)
    {
        // Span: trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, kind = 6, attributes = 9, status = 15.
        string traceId = "", spanId = "", parentSpanId = "", name = "";
        int kind = 0, statusCode = 0;
        var attributes = new Dictionary<string, object>();
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, ProtobufReader.LengthDelimited):
                    traceId = Convert.ToHexStringLower(reader.ReadLengthDelimited());
                    break;
                case (2, ProtobufReader.LengthDelimited):
                    spanId = Convert.ToHexStringLower(reader.ReadLengthDelimited());
                    break;
                case (4, ProtobufReader.LengthDelimited):
                    parentSpanId = Convert.ToHexStringLower(reader.ReadLengthDelimited());
                    break;
                case (5, ProtobufReader.LengthDelimited):
                    name = reader.ReadString();
                    break;
                case (6, ProtobufReader.Varint):
                    kind = (int)reader.ReadVarint();
                    break;
                case (9, ProtobufReader.LengthDelimited):
                    ReadKeyValue(reader.ReadLengthDelimited(), attributes);
                    break;
                case (15, ProtobufReader.LengthDelimited):
                    var status = new ProtobufReader(reader.ReadLengthDelimited()); // Status: message = 2, code = 3
                    while (status.TryReadTag(out var statusField, out var statusWire))
                    {
                        if (statusField == 3 && statusWire == ProtobufReader.Varint)
                        {
                            statusCode = (int)status.ReadVarint();
                        }
                        else
                        {
                            status.Skip(statusWire);
                        }
                    }
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        return new OtlpSpan(traceId, spanId, parentSpanId, name, kind, attributes, statusCode, scopeName, resource);
    }

    private static void ReadAttributesOf(ReadOnlySpan<byte> message, int attributesField, Dictionary<string, object> into)
    {
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == attributesField && wire == ProtobufReader.LengthDelimited)
            {
                ReadKeyValue(reader.ReadLengthDelimited(), into);
            }
            else
            {
                reader.Skip(wire);
            }
        }
    }

    private static void ReadKeyValue(ReadOnlySpan<byte> message, Dictionary<string, object> into)
    {
        // KeyValue: key = 1, value = 2 (AnyValue: string_value = 1, bool_value = 2, int_value = 3, double_value = 4).
        var key = "";
        object? value = null;
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, ProtobufReader.LengthDelimited):
                    key = reader.ReadString();
                    break;
                case (2, ProtobufReader.LengthDelimited):
                    value = ReadAnyValue(reader.ReadLengthDelimited());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        if (value is not null)
        {
            into[key] = value;
        }
    }

    private static object? ReadAnyValue(ReadOnlySpan<byte> message)
    {
        object? value = null;
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, ProtobufReader.LengthDelimited):
                    value = reader.ReadString();
                    break;
                case (2, ProtobufReader.Varint):
                    value = reader.ReadVarint() != 0;
                    break;
                case (3, ProtobufReader.Varint):
                    value = (long)reader.ReadVarint();
                    break;
                case (4, ProtobufReader.Fixed64):
                    value = BitConverter.UInt64BitsToDouble(reader.ReadFixed64());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        return value;
    }
}
