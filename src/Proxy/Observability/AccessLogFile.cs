namespace LlmProxy.Observability;

/// <summary>
/// Where access log lines go: standard output, or a file appended to and rotated by size. Before a line would take
/// the file past its limit, the file is renamed <c>NAME.1</c> (<c>NAME.1</c> becomes <c>NAME.2</c>, and so on; the
/// oldest beyond <c>maxFiles</c> is deleted) and a new one started, as logrotate's <c>rotate N</c> would. A path
/// under <c>/dev</c> or <c>/proc</c> (<c>/dev/stdout</c>, <c>/dev/null</c>, a symbolic link to one) is no file to rotate:
/// it is written and never renamed, which would replace the device with a regular file. Used by one thread (the
/// request observer's).
/// </summary>
internal sealed class AccessLogFile : IDisposable
{
    private readonly string? _rotated;
    private readonly long _maxBytes;
    private readonly int _maxFiles;
    private Stream _stream;
    private long _size;

    /// <param name="path">The file, or null for standard output (never rotated).</param>
    public AccessLogFile(string? path, long maxBytes, int maxFiles)
    {
        _maxBytes = maxBytes;
        _maxFiles = maxFiles;
        // Standard output unbuffered would be a system call per line; lines go out per batch (Flush) either way.
        _stream = path is null ? new BufferedStream(Console.OpenStandardOutput(), 64 * 1024) : Open(path, out _size);
        _rotated = path is not null && IsFile(path) ? path : null; // once it exists: a link's target is then there to resolve
    }

    /// <summary>Appends one whole line (its newline included), rotating first when it would not fit.</summary>
    public void Write(ReadOnlySpan<byte> line)
    {
        if (_rotated is not null && _size > 0 && _size + line.Length > _maxBytes)
        {
            Rotate(_rotated);
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

    // Where the path ends, through symbolic links (/dev/stdout is one to /proc/self/fd/1, which names a pipe or a terminal).
    private static bool IsFile(string path)
    {
        var target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        return Path.IsPathFullyQualified(target) && !Under(target, "/dev") && !Under(target, "/proc") && !Under(Path.GetFullPath(path), "/dev")
            && !Under(Path.GetFullPath(path), "/proc");

        static bool Under(string path, string folder) => OperatingSystem.IsLinux() && path.StartsWith(folder + "/", StringComparison.Ordinal);
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
