using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Server.Conformance.Tests.Support;

/// <summary>
/// For diagnosing a failing test: with DD_CONFORMANCE_LOG set to a directory, each server writes every log line
/// (RPCs at debug level included) to its own file there. Off by default.
/// </summary>
internal sealed class FileLoggerProvider : ILoggerProvider
{
    private readonly StreamWriter writer;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly object gate = new();

    private FileLoggerProvider(string path) => writer = new StreamWriter(path) { AutoFlush = true };

    /// <summary>A logger factory writing to a new file, or null when logging is off.</summary>
    public static ILoggerFactory? FromEnvironment()
    {
        var directory = Environment.GetEnvironmentVariable("DD_CONFORMANCE_LOG");
        if (string.IsNullOrEmpty(directory))
        {
            return null;
        }

        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"server-{DateTime.UtcNow:HHmmss}-{Guid.NewGuid():N}.log");
        return LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddFilter("Microsoft", LogLevel.Warning)
            .AddFilter("Grpc", LogLevel.Warning).AddProvider(new FileLoggerProvider(path)));
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose() => writer.Dispose();

    private void Write(string category, LogLevel level, string message, Exception? exception)
    {
        lock (gate)
        {
            writer.WriteLine($"{clock.Elapsed.TotalMilliseconds,10:F1} {level,-11} {category}: {message}");
            if (exception is not null)
            {
                writer.WriteLine(exception.ToString());
            }
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) =>
            provider.Write(category, logLevel, formatter(state, exception), exception);
    }
}
