using System.Reflection;

namespace DurableDelivery.Server.Process.Tests.Support;

/// <summary>DurableDelivery.Server.ProcessWorker as a child process: a real Temporalio worker that can hang on purpose.
/// </summary>
internal static class WorkerProcess
{
    private const string Name = "DurableDelivery.Server.ProcessWorker";

    /// <summary>Starts a worker on the queue (optionally blocking at <paramref name="block"/>, e.g.
    /// <c>block-activity step-1</c>) and waits until it runs.</summary>
    public static async Task<ChildProcess> StartAsync(string target, string queue, params string[] block)
    {
        var dll = Path.GetFullPath(typeof(WorkerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ProcessWorkerPath").Value!);
        File.Exists(dll).ShouldBeTrue($"the worker must be built: {dll}");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var child = ChildProcess.Start(dotnet, [dll, target, queue, .. block], Name);
        try
        {
            await child.WaitForLineAsync(l => l == "ready", ServerProcess.StartTimeout, "'ready'");
            return child;
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    /// <summary>The executions the worker reported (<c>activity-start</c> lines) as workflow/activity@attempt.
    /// </summary>
    public static IReadOnlyList<string> ActivityStarts(ChildProcess worker) =>
        [.. worker.StdoutLines.Where(l => l.StartsWith("activity-start ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')).Select(p => $"{p[1]}/{p[2]}@{p[3]}")];
}
