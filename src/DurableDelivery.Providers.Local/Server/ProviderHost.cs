using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>
/// Runs the provider process: takes the data dir's lock, restores state, serves the control API, writes
/// <c>control.json</c>, and on SIGTERM, Ctrl+C or <c>POST /v1/shutdown</c> stops listeners and instances (state is kept).
/// </summary>
internal static class ProviderHost
{
    public static async Task<int> RunAsync(LocalProviderOptions options)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await Console.Error.WriteLineAsync(problem);
            }

            return 2;
        }

        var paths = new LocalProviderPaths(options.DataDirectory);
        Directory.CreateDirectory(paths.Root);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(paths.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            await Console.Error.WriteLineAsync($"Another local provider already runs on data dir {paths.DataDirectory}. Stop it with 'ddctl local down' first, or use another --data-dir.");
            return 3;
        }

        await using var logWriter = new StreamWriter(new FileStream(paths.ProviderLog, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var logLock = new object();
        void Log(string line)
        {
            var stamped = $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {line}";
            lock (logLock)
            {
                logWriter.WriteLine(stamped);
                if (options.LogToConsole)
                {
                    Console.WriteLine(stamped);
                }
            }
        }

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });

        var artifacts = new ArtifactResolver(options.ArtifactsDirectory ?? ArtifactResolver.FindDefaultArtifactsDirectory());
        await using var core = new ProviderCore(paths, options, artifacts, TimeProvider.System, Log);
        var startedAt = DateTimeOffset.UtcNow;
        Log($"provider pid {Environment.ProcessId} starting on data dir {paths.DataDirectory}, artifacts {artifacts.ArtifactsDirectory}");
        await core.RestoreAsync();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.ControlPort));
        await using var app = builder.Build();
        var endpoint = string.Empty;
        ControlApi.Map(app, core, () => core.Status(endpoint, startedAt), stop.Cancel);
        try
        {
            await app.StartAsync();
        }
        catch (IOException ex)
        {
            Log($"control API cannot listen on port {options.ControlPort}: {ex.Message}");
            await Console.Error.WriteLineAsync($"Control port {options.ControlPort} on 127.0.0.1 is already in use. Choose another --control-port, or 0 to pick a free one.");
            await core.StopAsync(stopInstances: false);
            return 4;
        }

        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        endpoint = $"http://127.0.0.1:{address.Port}";
        WriteAtomically(paths.ControlFile, JsonSerializer.Serialize(new ControlFile { Port = address.Port, ProcessId = Environment.ProcessId, StartedAt = startedAt }, ProviderJson.Info<ControlFile>(indented: true)));
        Log($"control API on {endpoint}");

        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Shutdown requested.
        }

        Log("stopping: listeners and instances (state kept for the next start)");
        File.Delete(paths.ControlFile);
        await core.StopAsync(stopInstances: true);
        await app.StopAsync();
        Log("stopped");
        await lockFile.DisposeAsync();
        return 0;
    }

    internal static void WriteAtomically(string path, string content)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
