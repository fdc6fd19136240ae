using System.Diagnostics;
using System.Net.Sockets;

namespace LlmProxy.Testing;

/// <summary>
/// A real nginx in front of several proxy instances, round robin, as the README's scale-out recipe sets it up
/// (HTTP/1.1 keep-alive to the instances, no buffering): started on a free loopback port with a config and temp
/// folders of its own, stopped (and its folder removed) on dispose. Needs nginx installed (<c>./build.sh test</c>
/// installs it).
/// </summary>
public sealed class NginxServer : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private NginxServer(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseAddress { get; }

    /// <summary>Starts nginx balancing over <paramref name="upstreams"/> (each <c>http://host:port</c>) and waits until it accepts connections.</summary>
    public static async Task<NginxServer> StartAsync(IEnumerable<Uri> upstreams)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await StartOnFreePortAsync(upstreams);
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                // Another process took the free port between the look and nginx's bind: another one.
            }
        }
    }

    private static async Task<NginxServer> StartOnFreePortAsync(IEnumerable<Uri> upstreams)
    {
        var folder = Directory.CreateTempSubdirectory("llm-proxy-nginx-").FullName;
        var port = LoopbackPort.Free();
        var servers = string.Concat(upstreams.Select(uri => $"    server {uri.Host}:{uri.Port};\n"));
        var config = Path.Combine(folder, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            worker_processes 1;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log warn;
            events { worker_connections 1024; }
            http {
              access_log off;
              client_body_temp_path {{folder}}/body;
              proxy_temp_path {{folder}}/proxy;
              fastcgi_temp_path {{folder}}/fastcgi;
              uwsgi_temp_path {{folder}}/uwsgi;
              scgi_temp_path {{folder}}/scgi;
              upstream llm_proxy {
            {{servers}}    keepalive 16;
              }
              server {
                listen 127.0.0.1:{{port}};
                location / {
                  proxy_pass http://llm_proxy;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_buffering off;
                }
              }
            }
            """);
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo(Binary(), $"-p {folder} -c {config} -e {folder}/error.log -g \"daemon off;\"")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("nginx is not installed: apt-get install nginx", e);
        }
        var server = new NginxServer(process, folder, port);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (process.HasExited)
            {
                var log = File.Exists(Path.Combine(folder, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(folder, "error.log")) : "";
                server.Dispose();
                throw new InvalidOperationException($"nginx exited at start ({process.ExitCode}): {await process.StandardError.ReadToEndAsync()} {log}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        server.Dispose();
        throw new InvalidOperationException("nginx did not accept connections within 10 s");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    // Debian puts it in /usr/sbin, which a non-root PATH may lack.
    private static string Binary() => File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
}
