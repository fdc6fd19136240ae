using System.Buffers;
using System.Text.Json;
using LlmProxy.Config;

namespace LlmProxy.Observability;

/// <summary>
/// The access log (config <c>accessLog</c>): lines (<see cref="AccessLogLine"/>) written to its <see cref="AccessLogFile"/>
/// by the <see cref="RequestObserver"/>'s thread, the only one that calls it, and flushed after each batch. A line that
/// cannot be written (a full disk, a closed stdout) is lost and counted, and the proxy serves on.
/// </summary>
internal sealed partial class AccessLog : IDisposable
{
    private readonly AccessLogFile _file;
    private readonly ILogger<AccessLog> _logger;
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly Utf8JsonWriter _json;
    private readonly AccessLogLine _format = new();
    private int _unwritten;
    private string? _failure;

    /// <exception cref="ConfigException">The file cannot be opened for appending (a read-only folder, a directory...).</exception>
    public AccessLog(AccessLogOptions options, ILogger<AccessLog> logger)
    {
        _logger = logger;
        try
        {
            _file = new AccessLogFile(options.Path, options.MaxFileBytes, options.MaxFiles);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException("accessLog.path", $"cannot append to '{options.Path}': {e.Message}");
        }
        // The line's shape is fixed by AccessLogLine and checked by its tests: no structural validation per value.
        _json = new Utf8JsonWriter(_line, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>Formats and writes one request's line.</summary>
    public void Write(in AccessLogEntry entry)
    {
        _line.ResetWrittenCount();
        _json.Reset();
        _format.Write(_json, entry);
        _json.Flush();
        _line.Write("\n"u8);
        try
        {
            _file.Write(_line.WrittenSpan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // A rotation someone else's hands broke, a full disk: this line is lost.
            _unwritten++;
            _failure = e.Message;
        }
    }

    /// <summary>Sends what was written since the last flush on; logs lines lost since then.</summary>
    public void Flush()
    {
        try
        {
            _file.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            _failure = e.Message;
        }
        if (_failure is not null)
        {
            LogWriteFailed(_logger, _unwritten, _failure);
            (_unwritten, _failure) = (0, null);
        }
    }

    public void Dispose()
    {
        _json.Dispose();
        _file.Dispose();
    }

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "access log lines could not be written ({Count} lost, and those buffered since the last flush): {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, int count, string reason);
}
