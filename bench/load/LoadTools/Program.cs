using LlmProxy.LoadTools;

// The load harness's own instruments, published as one native binary so they start fast and need no warm-up.
return args.FirstOrDefault() switch
{
    "paced-upstream" => await PacedUpstream.RunAsync(args[1..]),
    "streams" => await StreamLoad.RunAsync(args[1..]),
    "rate" => await RateLoad.RunAsync(args[1..]),
    "startup" => await StartupTimer.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: load-tools paced-upstream PORT CHUNKS INTERVAL_MS
               load-tools streams URL CONCURRENCY BODY_FILE KEY [HEADER:VALUE ...]
               load-tools rate URL PER_SECOND SECONDS BODY_FILE KEY [HEADER:VALUE ...]
               load-tools startup BINARY CONFIG PORT
        """);
    return 2;
}
