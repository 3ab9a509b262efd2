#if DDCTL_NATIVE
using System.Diagnostics;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>
/// The natively compiled ddctl (docs/cli.md, "A native ddctl"), published once per test run with the same command users
/// run: <c>dotnet publish src/DurableDelivery.Cli -c Release -r linux-x64 -p:PublishAot=true</c>. The publish is
/// incremental: an unchanged tree reuses the last native binary.
/// </summary>
public static class NativeDdctl
{
    private static readonly Lazy<string> Published = new(Publish);

    /// <summary>Gets the path of the native ddctl, publishing it first if needed.</summary>
    public static string Path => Published.Value;

    private static string Publish()
    {
        var output = Repo.File("artifacts", "ddctl-native");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.Root,
        };
        foreach (var arg in new[]
        {
            "publish", Repo.File("src", "DurableDelivery.Cli", "DurableDelivery.Cli.csproj"), "-c", "Release", "-r", "linux-x64",
            "-p:PublishAot=true", "-o", output, "--nologo", "-v", "quiet",
        })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet publish");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(20)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("publishing the native ddctl took over 20 minutes");
        }

        var binary = System.IO.Path.Combine(output, "ddctl");
        if (process.ExitCode != 0 || !File.Exists(binary))
        {
            throw new InvalidOperationException($"publishing the native ddctl failed (exit {process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }

        return binary;
    }
}
#endif
