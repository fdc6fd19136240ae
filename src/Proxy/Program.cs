using LlmProxy.Config;
using LlmProxy.Hosting;

// Read once by the socket engine before the first socket exists; see ProxyApp for why.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

CommandLine cli;
try
{
    cli = CommandLine.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"llm-proxy: {e.Message}");
    return 2;
}
if (cli.ShowHelp)
{
    Console.WriteLine(CommandLine.Usage);
    return 0;
}
if (cli.ShowVersion)
{
    Console.WriteLine($"llm-proxy {ProxyVersion.Current}");
    return 0;
}

WebApplication app;
try
{
    var config = ConfigLoader.LoadFile(cli.ConfigPath);
    if (cli.Urls is { } urls)
    {
        ConfigLoader.ListenUris("--urls", urls);
    }
    if (cli.CheckOnly)
    {
        ProxyApp.Validate(config);
        Console.WriteLine($"{cli.ConfigPath}: valid ({config.Models.Count} models, {config.Providers.Count} providers, {config.Keys.Count} keys)");
        return 0;
    }
    app = ProxyApp.Create(config, cli.Urls, configPath: cli.ConfigPath);
}
catch (ConfigException e)
{
    Console.Error.WriteLine($"config error: {e.Message}");
    return 1;
}

try
{
    await app.RunAsync();
    return 0;
}
catch (IOException e)
{
    // Typically the listen address is taken: one line, not a stack trace.
    Console.Error.WriteLine($"llm-proxy: cannot start: {e.Message}");
    return 1;
}
