using Microsoft.Extensions.Logging;

namespace DurableDelivery.Providers.Aws.Tests.Support;

/// <summary>Routes the provider's logs (every AWS call with its request id) to the test's output.</summary>
internal sealed class XunitLoggerProvider(ITestOutputHelper output) : ILoggerProvider, ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel.ToString()[..4]} {category.Split('.')[^1]}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.GetType().Name + ": " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // Logged after the test finished.
            }
        }
    }
}
