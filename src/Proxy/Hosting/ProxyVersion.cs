using System.Reflection;

namespace LlmProxy.Hosting;

internal static class ProxyVersion
{
    /// <summary>The version from the build, with the short git commit the SDK appends (e.g. <c>0.1.0+3f2a9c1</c>).</summary>
    public static string Current { get; } = Shorten(
        typeof(ProxyVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");

    private static string Shorten(string version)
    {
        var plus = version.IndexOf('+');
        return plus < 0 || version.Length <= plus + 8 ? version : version[..(plus + 8)];
    }
}
