using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Server.Hosting;

/// <summary>One debug line per RPC (method, status, milliseconds); payloads are never logged.</summary>
internal sealed partial class RpcLoggingInterceptor(ILogger<RpcLoggingInterceptor> logger) : Interceptor
{
    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return await continuation(request, context).ConfigureAwait(false);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            Log.Rpc(logger, context.Method, StatusCode.OK, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (RpcException ex)
        {
            Log.Rpc(logger, context.Method, ex.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Method} {Status} {Milliseconds:F1} ms")]
        public static partial void Rpc(ILogger logger, string method, StatusCode status, double milliseconds);
    }
}
