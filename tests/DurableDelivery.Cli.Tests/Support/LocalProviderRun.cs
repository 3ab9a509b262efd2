using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>
/// A local provider started with <c>ddctl local up</c> on a test's data dir. Disposing runs <c>ddctl local down</c>
/// and then kills whatever the provider recorded that still runs (its own process, every instance), whatever state
/// the test left it in.
/// </summary>
public sealed class LocalProviderRun : IAsyncDisposable
{
    private readonly string dataDir;

    private LocalProviderRun(string dataDir) => this.dataDir = dataDir;

    public static async Task<LocalProviderRun> StartAsync(string dataDir)
    {
        var run = new LocalProviderRun(dataDir);
        try
        {
            var up = await Ddctl.RunAsync("local", "up", "--data-dir", dataDir, "--artifacts-dir", Repo.File("infra", "local", "artifacts"), "-o", "json");
            up.ExitCode.ShouldBe(0, up.ToString());
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }

        return run;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Ddctl.RunAsync("local", "down", "--data-dir", dataDir);
        }
        finally
        {
            KillRecorded();
        }
    }

    private void KillRecorded()
    {
        var root = Path.Combine(dataDir, "local-provider");
        var control = Path.Combine(root, "control.json");
        if (File.Exists(control))
        {
            using var controlDoc = JsonDocument.Parse(File.ReadAllText(control));
            if (controlDoc.RootElement.TryGetProperty("processId", out var pid) && CommandLineContains(pid.GetInt32(), dataDir))
            {
                Kill(pid.GetInt32());
            }
        }

        var state = Path.Combine(root, "state.json");
        if (!File.Exists(state))
        {
            return;
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(state));
        foreach (var set in doc.RootElement.GetProperty("infraSets").EnumerateArray())
        {
            foreach (var instance in set.GetProperty("instances").EnumerateArray())
            {
                if (instance.GetProperty("processId").ValueKind == JsonValueKind.Number
                    && EnvironContains(instance.GetProperty("processId").GetInt32(), $"DD_INSTANCE_ID={instance.GetProperty("id").GetString()}\0"))
                {
                    Kill(instance.GetProperty("processId").GetInt32());
                }
            }
        }
    }

    private static bool CommandLineContains(int pid, string text) => Read($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(text, StringComparison.Ordinal);

    private static bool EnvironContains(int pid, string text) => Read($"/proc/{pid}/environ").Contains(text, StringComparison.Ordinal);

    private static string Read(string path)
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }
}
