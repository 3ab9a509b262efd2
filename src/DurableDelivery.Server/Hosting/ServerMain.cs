using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace DurableDelivery.Server.Hosting;

/// <summary>The server program: parse, start, print the address, run until SIGINT/SIGTERM.</summary>
public static class ServerMain
{
    /// <summary>Runs the server command line; returns the exit code (2 for a bad command line, 1 if it cannot start).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter? output = null)
    {
        output ??= Console.Out;
        StartDevArguments parsed;
        try
        {
            parsed = StartDevArguments.Parse(args);
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 2;
        }

        if (parsed.Help)
        {
            await output.WriteLineAsync(StartDevArguments.Usage).ConfigureAwait(false);
            return 0;
        }

        var serilog = new LoggerConfiguration()
            .MinimumLevel.Is(ToSerilog(parsed.LogLevel))
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Extensions.Hosting", LogEventLevel.Fatal)
            .MinimumLevel.Override("Grpc", LogEventLevel.Warning);
        serilog = parsed.JsonLogs
            ? serilog.WriteTo.Console(new CompactJsonFormatter(), standardErrorFromLevel: LogEventLevel.Verbose)
            : serilog.WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}");
        await using var logger = serilog.CreateLogger();
        using var loggerFactory = LoggerFactory.Create(b => b.AddSerilog(logger).SetMinimumLevel(parsed.LogLevel));
        var log = loggerFactory.CreateLogger("DurableDelivery.Server");
        foreach (var value in parsed.DynamicConfig)
        {
            log.LogDebug("Dynamic config value {Value} accepted and ignored", value);
        }

        TemporalServer server;
        try
        {
            server = await TemporalServer.StartAsync(parsed.Options with { LoggerFactory = loggerFactory })
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or Microsoft.Data.Sqlite.SqliteException)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        await using (server.ConfigureAwait(false))
        {
            await output.WriteLineAsync(
                $"Temporal server (embedded, SQLite {server.DatabasePath}) is running at {server.Target}; "
                + $"namespaces: {string.Join(", ", parsed.Options.Namespaces.Prepend("default").Distinct())}")
                .ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
            await stop.Task.ConfigureAwait(false);
            log.LogInformation("Stopping");
        }

        return 0;
    }

    private static LogEventLevel ToSerilog(LogLevel level) => level switch
    {
        LogLevel.Trace => LogEventLevel.Verbose,
        LogLevel.Debug => LogEventLevel.Debug,
        LogLevel.Information => LogEventLevel.Information,
        LogLevel.Warning => LogEventLevel.Warning,
        LogLevel.Error => LogEventLevel.Error,
        _ => LogEventLevel.Fatal,
    };
}
