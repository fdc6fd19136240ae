namespace LlmProxy.Hosting;

/// <summary><c>llm-proxy [--config PATH] [--urls URL]</c>, <c>--check-config PATH</c>, <c>--version</c>, <c>--help</c>.</summary>
internal sealed record CommandLine(string ConfigPath, string? Urls, bool CheckOnly, bool ShowVersion, bool ShowHelp)
{
    public const string DefaultConfigPath = "config/proxy.json";

    public const string Usage = """
        usage: llm-proxy [--config PATH] [--urls URL]
               llm-proxy --check-config PATH
               llm-proxy --version
          --config PATH        the config file (default: config/proxy.json)
          --urls URL           listen address(es), overriding server.urls; separate several with ';'
          --check-config PATH  validate a config file and exit: 0 when valid
          --version            print the version and exit
        """;

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> with a one-line reason on bad ones.</summary>
    public static CommandLine Parse(string[] args)
    {
        var result = new CommandLine(DefaultConfigPath, null, false, false, false);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var (name, inlineValue) = arg.IndexOf('=') is var eq and > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
            result = name switch
            {
                "--config" => result with { ConfigPath = inlineValue ?? Value(args, ref i, name) },
                "--urls" => result with { Urls = inlineValue ?? Value(args, ref i, name) },
                "--check-config" => result with { CheckOnly = true, ConfigPath = inlineValue ?? Value(args, ref i, name) },
                "--version" => result with { ShowVersion = true },
                "--help" or "-h" => result with { ShowHelp = true },
                _ => throw new ArgumentException($"unknown argument '{arg}' (see --help)"),
            };
        }
        return result;
    }

    private static string Value(string[] args, ref int i, string name) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{name} needs a value");
}
