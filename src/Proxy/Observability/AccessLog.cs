using System.Buffers;
using System.Text.Json;
using LlmProxy.Config;
using LlmProxy.Usage;

namespace LlmProxy.Observability;

/// <summary>
/// The access log (config <c>accessLog</c>): a request hands its <see cref="AccessLogEntry"/> over and goes on; the
/// entries are formatted (<see cref="AccessLogLine"/>) and written by a <see cref="GatheringQueue{T}"/>'s thread, a batch
/// per gathering, flushed after each. A full queue never makes a request wait: the line is dropped and counted
/// (<see cref="Dropped"/>, logged once). Stopping the host writes what is queued.
/// </summary>
internal sealed partial class AccessLog : IHostedService, IDisposable
{
    private const int Capacity = 65_536;
    private const int BatchSize = 1_000;
    private static readonly TimeSpan GatherTime = TimeSpan.FromMilliseconds(20);

    private readonly GatheringQueue<AccessLogEntry> _queue;
    private readonly AccessLogFile _file;
    private readonly ILogger<AccessLog> _logger;
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly Utf8JsonWriter _json;
    private long _dropped;
    private long _written;

    /// <exception cref="ConfigException">The file cannot be opened for appending (a read-only folder, a directory...).</exception>
    public AccessLog(AccessLogOptions options, TimeProvider time, ILogger<AccessLog> logger)
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
        _json = new Utf8JsonWriter(_line);
        _queue = new GatheringQueue<AccessLogEntry>(Capacity, BatchSize, GatherTime, time, WriteBatch, e => LogWriterFailed(logger, e));
    }

    /// <summary>Lines written.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Lines dropped because the queue was full or the log had stopped.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Add(AccessLogEntry entry)
    {
        if (!_queue.TryAdd(entry) && Interlocked.Increment(ref _dropped) == 1)
        {
            LogDropped(_logger);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _queue.Start("access log");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _queue.StopAsync(cancellationToken);

    public void Dispose()
    {
        _json.Dispose();
        _file.Dispose();
    }

    private void WriteBatch(List<AccessLogEntry> batch)
    {
        try
        {
            foreach (var entry in batch)
            {
                _line.ResetWrittenCount();
                _json.Reset();
                AccessLogLine.Write(_json, entry);
                _json.Flush();
                _line.Write("\n"u8);
                _file.Write(_line.WrittenSpan);
            }
            _file.Flush();
            Interlocked.Add(ref _written, batch.Count);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // A full disk, a closed stdout, a rotation someone else's hands broke: the lines are lost, the proxy serves on.
            Interlocked.Add(ref _dropped, batch.Count);
            LogWriteFailed(_logger, batch.Count, e.Message);
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "the access log's queue is full: lines are being dropped (this is logged once)")]
    private static partial void LogDropped(ILogger logger);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "{Count} access log lines could not be written: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Critical, Message = "the access log's writer stopped: lines queue until the queue is full, then are dropped")]
    private static partial void LogWriterFailed(ILogger logger, Exception exception);
}
