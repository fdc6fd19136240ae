namespace LlmProxy.Observability;

/// <summary>
/// Where access log lines go: standard output, or a file appended to and rotated by size. Before a line would take
/// the file past its limit, the file is renamed <c>NAME.1</c> (<c>NAME.1</c> becomes <c>NAME.2</c>, and so on; the
/// oldest beyond <c>maxFiles</c> is deleted) and a new one started, as logrotate's <c>rotate N</c> would. Used by one
/// thread (the access log's).
/// </summary>
internal sealed class AccessLogFile : IDisposable
{
    private readonly string? _path;
    private readonly long _maxBytes;
    private readonly int _maxFiles;
    private Stream _stream;
    private long _size;

    /// <param name="path">The file, or null for standard output (never rotated).</param>
    public AccessLogFile(string? path, long maxBytes, int maxFiles)
    {
        _path = path;
        _maxBytes = maxBytes;
        _maxFiles = maxFiles;
        // Standard output unbuffered would be a system call per line; lines go out per batch (Flush) either way.
        _stream = path is null ? new BufferedStream(Console.OpenStandardOutput(), 64 * 1024) : Open(path, out _size);
    }

    /// <summary>Appends one whole line (its newline included), rotating first when it would not fit.</summary>
    public void Write(ReadOnlySpan<byte> line)
    {
        if (_path is not null && _size > 0 && _size + line.Length > _maxBytes)
        {
            Rotate(_path);
        }
        _stream.Write(line);
        _size += line.Length;
    }

    public void Flush() => _stream.Flush();

    public void Dispose() => _stream.Dispose();

    private void Rotate(string path)
    {
        _stream.Dispose();
        try
        {
            for (var i = _maxFiles - 1; i >= 1; i--)
            {
                if (File.Exists($"{path}.{i}"))
                {
                    File.Move($"{path}.{i}", $"{path}.{i + 1}", overwrite: true);
                }
            }
            if (_maxFiles > 0 && File.Exists(path))
            {
                File.Move(path, $"{path}.1", overwrite: true);
            }
            else
            {
                File.Delete(path);
            }
        }
        finally
        {
            // Whatever the renames did (the file moved away by someone else, a full disk), the log goes on in a file.
            _stream = Open(path, out _size);
        }
    }

    // Readable by the owner only, like the database: lines name keys and what they spent.
    private static FileStream Open(string path, out long size)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 64 * 1024 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        var stream = new FileStream(path, options);
        size = stream.Length;
        return stream;
    }
}
