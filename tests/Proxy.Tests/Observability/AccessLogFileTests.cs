using System.Text;
using LlmProxy.Observability;

namespace LlmProxy.Tests.Observability;

/// <summary>The access log's file: appended to, rotated by size into NAME.1, NAME.2..., the oldest beyond the count deleted.</summary>
public sealed class AccessLogFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llm-proxy-access-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Write_PastTheLimit_RotatesKeepingMaxFilesEachWithinTheLimit()
    {
        var path = Path.Combine(_folder, "logs", "access.log");
        using (var file = new AccessLogFile(path, maxBytes: 100, maxFiles: 2))
        {
            for (var i = 0; i < 10; i++)
            {
                file.Write(Encoding.UTF8.GetBytes($"line {i:D2} {new string('x', 30)}\n")); // 40 bytes: two fit in a file
            }
        }

        Assert.Equal(["access.log", "access.log.1", "access.log.2"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).Order());
        Assert.All(Directory.GetFiles(Path.GetDirectoryName(path)!), name => Assert.InRange(new FileInfo(name).Length, 1, 100));
        Assert.StartsWith("line 08", File.ReadAllText(path));
        Assert.StartsWith("line 06", File.ReadAllText(path + ".1"));
        Assert.StartsWith("line 04", File.ReadAllText(path + ".2"));
    }

    [Fact]
    public void Write_PastTheLimitThroughALinkToADevice_WritesOnAndNeverRenamesIt()
    {
        // As root (CI is), a rotation of /dev/null itself would move the device away and leave a regular file in its
        // place; the test goes through a link so that a regression renames only the link.
        var path = Path.Combine(_folder, "access.log");
        File.CreateSymbolicLink(path, "/dev/null");
        using (var file = new AccessLogFile(path, maxBytes: 100, maxFiles: 2))
        {
            for (var i = 0; i < 10; i++)
            {
                file.Write(Encoding.UTF8.GetBytes($"line {i:D2} {new string('x', 30)}\n"));
            }
        }

        Assert.Equal("/dev/null", new FileInfo(path).LinkTarget);
        Assert.DoesNotContain(Directory.GetFiles(_folder), name => Path.GetFileName(name).StartsWith("access.log.", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_ExistingFile_AppendsAndCountsItsSize()
    {
        var path = Path.Combine(_folder, "access.log");
        File.WriteAllText(path, new string('o', 90) + "\n");
        using (var file = new AccessLogFile(path, maxBytes: 100, maxFiles: 1))
        {
            file.Write("next line\n"u8); // 91 + 10 > 100: the old content moves to .1 first
        }

        Assert.Equal("next line\n", File.ReadAllText(path));
        Assert.Equal(91, new FileInfo(path + ".1").Length);
    }

    [Fact]
    public void Write_FileRemovedByAnotherProcess_GoesOnInANewFile()
    {
        var path = Path.Combine(_folder, "access.log");
        using (var file = new AccessLogFile(path, maxBytes: 100, maxFiles: 0))
        {
            file.Write(Encoding.UTF8.GetBytes(new string('a', 79) + "\n"));
            file.Flush();
            File.Delete(path); // logrotate's way, or an operator's
            file.Write(Encoding.UTF8.GetBytes(new string('b', 39) + "\n")); // past the limit: a rotation with no file to move
            file.Write("after\n"u8);
        }

        Assert.Equal(new string('b', 39) + "\nafter\n", File.ReadAllText(path));
        Assert.Equal(["access.log"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Open_NewFile_IsReadableByTheOwnerOnly()
    {
        var path = Path.Combine(_folder, "access.log");
        using (new AccessLogFile(path, maxBytes: 4096, maxFiles: 1))
        {
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
