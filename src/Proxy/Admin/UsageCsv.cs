using LlmProxy.Usage;
using System.Globalization;
using System.Text;
using LlmProxy.Storage;

namespace LlmProxy.Admin;

/// <summary>
/// Usage totals as CSV (RFC 4180: a header row, CRLF line ends, a field with a comma, quote or line break quoted with
/// its quotes doubled), <c>text/csv; charset=utf-8</c>; the columns of the JSON answer, <c>name</c> only for keys and
/// teams; a null group or name is an empty field; <c>cost_usd</c> exact (<see cref="PicoUsd"/>).
/// </summary>
internal static class UsageCsv
{
    public static async Task WriteAsync(HttpResponse response, IReadOnlyList<UsageTotals> totals, bool named, CancellationToken cancellationToken)
    {
        var csv = new StringBuilder();
        csv.Append(named ? "group,name," : "group,")
            .Append("requests,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,reasoning_tokens,cost_usd\r\n");
        foreach (var total in totals)
        {
            AppendField(csv, total.Group).Append(',');
            if (named)
            {
                AppendField(csv, total.Name).Append(',');
            }
            csv.Append(CultureInfo.InvariantCulture, $"{total.Requests},{total.InputTokens},{total.CachedInputTokens},{total.CacheWriteTokens},")
                .Append(CultureInfo.InvariantCulture, $"{total.OutputTokens},{total.ReasoningTokens},")
                .Append(PicoUsd.Format(total.CostPicoUsd))
                .Append("\r\n");
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/csv; charset=utf-8";
        await response.BodyWriter.WriteAsync(Encoding.UTF8.GetBytes(csv.ToString()), cancellationToken);
    }

    public static StringBuilder AppendField(StringBuilder csv, string? value)
    {
        if (value is null)
        {
            return csv;
        }
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return csv.Append(value);
        }
        return csv.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
