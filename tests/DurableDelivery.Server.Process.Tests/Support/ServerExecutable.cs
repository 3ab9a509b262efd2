using System.Globalization;
using System.Reflection;
using System.Runtime.Versioning;

namespace DurableDelivery.Server.Process.Tests.Support;

/// <summary>
/// Finds the <c>dd-temporal-server</c> executable: next to the test assembly (the referenced project's output, apphost
/// included, is copied there) or in src/DurableDelivery.Server/bin/&lt;config&gt;/&lt;tfm&gt;. If only the dll is found
/// (no apphost), a small shell script that runs it with dotnet stands in for the executable.
/// </summary>
internal static class ServerExecutable
{
    public const string Name = "dd-temporal-server";

    private static readonly Lazy<string> Found = new(Find);

    /// <summary>The path of an executable file that runs the server with the arguments it is given.</summary>
    public static string Path => Found.Value;

    /// <summary>Where the server is looked for, in order.</summary>
    public static IReadOnlyList<string> SearchedDirectories()
    {
        var assembly = typeof(ServerExecutable).Assembly;
        var configuration = assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName ?? "";
        var version = framework.Split("Version=v").ElementAtOrDefault(1) ?? "10.0";
        var tfm = "net" + version;
        var directories = new List<string> { AppContext.BaseDirectory };
        foreach (var root in RepoRoots())
        {
            directories.Add(System.IO.Path.Combine(root, "src", "DurableDelivery.Server", "bin", configuration, tfm));
        }

        return directories.Select(d => System.IO.Path.GetFullPath(d)).Distinct().ToList();
    }

    private static IEnumerable<string> RepoRoots()
    {
        var recorded = typeof(ServerExecutable).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (!string.IsNullOrEmpty(recorded))
        {
            yield return recorded;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "DurableDelivery.sln")))
            {
                yield return dir.FullName;
            }
        }
    }

    private static string Find()
    {
        var directories = SearchedDirectories();
        foreach (var dir in directories)
        {
            var apphost = System.IO.Path.Combine(dir, Name);
            if (File.Exists(apphost) && File.Exists(apphost + ".dll") && IsExecutable(apphost))
            {
                return apphost;
            }
        }

        foreach (var dir in directories)
        {
            var dll = System.IO.Path.Combine(dir, Name + ".dll");
            if (!OperatingSystem.IsWindows() && File.Exists(dll)
                && File.Exists(System.IO.Path.Combine(dir, Name + ".runtimeconfig.json")))
            {
                return WriteLauncher(dll);
            }
        }

        throw new FileNotFoundException(
            $"{Name} is not built: looked for {Name} (or {Name}.dll) in {string.Join(", ", directories)}. "
            + "Build src/DurableDelivery.Server (dotnet build) first.");
    }

    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;

    [UnsupportedOSPlatform("windows")]
    private static string WriteLauncher(string dll)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(),
            "dd-temporal-server-launcher-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        var script = System.IO.Path.Combine(dir, Name);
        File.WriteAllText(script, $"#!/bin/sh\nexec '{dotnet}' '{dll}' \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }
}
