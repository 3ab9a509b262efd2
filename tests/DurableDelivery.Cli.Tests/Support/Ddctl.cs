using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>What one run of ddctl produced.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public JsonNode Json() => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("ddctl printed JSON null");

    /// <summary>Asserts success and returns the JSON it printed.</summary>
    public JsonNode OkJson()
    {
        ExitCode.ShouldBe(0, $"ddctl failed: {Stderr}");
        Stderr.ShouldBeEmpty();
        return Json();
    }

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>
/// Runs the built ddctl as a child process: <c>dotnet ddctl.dll ...</c>, or, compiled into DurableDelivery.Cli.Aot.Tests
/// (DDCTL_NATIVE), the natively compiled ddctl that <see cref="NativeDdctl"/> publishes.
/// </summary>
public static class Ddctl
{
#if DDCTL_NATIVE
    private static readonly Lazy<string[]> Command = new(() => [NativeDdctl.Path]);
#else
    private static readonly Lazy<string[]> Command = new(() => ["dotnet", FindDll()]);
#endif

    /// <summary>Runs ddctl to completion (killed after 60 s) and captures its output.</summary>
    public static async Task<CliResult> RunAsync(params string[] args) => await RunAsync(null, args);

    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var process = Start(args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var watch = Stopwatch.StartNew();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ddctl {string.Join(' ', args)} did not finish in 60 s");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr, watch.Elapsed);
    }

    /// <summary>Starts ddctl with redirected output; the caller owns the process.</summary>
    public static Process Start(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(Command.Value[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in Command.Value.Skip(1).Concat(args))
        {
            info.ArgumentList.Add(a);
        }

        // Tests choose the data dir explicitly; an inherited DD_DATA_DIR must not leak in.
        info.Environment.Remove("DD_DATA_DIR");
        foreach (var variable in info.Environment.Keys.Where(k => k.StartsWith("TEMPORAL_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(variable);
        }

        // A run that names a test's data dir talks to that data dir's embedded server (TempDataDir), except `server` and
        // `local` commands, which need none.
        if (args.Count > 0 && args[0] is not "server" and not "local" && TempDataDir.AddressFor(args) is { } address)
        {
            info.Environment["TEMPORAL_ADDRESS"] = address;
        }

        info.Environment["NO_COLOR"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {Command.Value[0]}");
    }

    private static string FindDll()
    {
        var configuration = typeof(Ddctl).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var dll = Repo.File("src", "DurableDelivery.Cli", "bin", configuration, "net10.0", "ddctl.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} not found; build src/DurableDelivery.Cli ({configuration}) first");
    }
}
