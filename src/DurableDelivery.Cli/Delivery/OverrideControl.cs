using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DurableDelivery.Cli.Common;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;
using DurableDelivery.Workflows.Delivery;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Cli.Delivery;

/// <summary>
/// The fast path of <c>ddctl env rollback</c> and <c>env set-weights</c>: a running <c>ddctl worker run</c> listens on a
/// Unix socket in <c>&lt;data-dir&gt;/control/</c>, and the command hands its override to that warm process, which runs
/// exactly what the command would (the same checks, the same <c>rollback</c>/<c>setWeights</c> update with the same
/// update id, recorded in <c>env/&lt;env&gt;</c>'s history) and answers with the outcome. The command then skips opening
/// the store and its own cold code path. When no worker listens, the command does it all itself (the store path, which
/// also hosts a worker when none runs). Any local user who can open the data dir can use either path.
/// </summary>
/// <remarks>
/// Protocol: one JSON object per connection and direction, each ended by a newline. Request: <c>update</c>
/// (<c>rollback</c> or <c>setWeights</c>), <c>environment</c>, <c>updateId</c>, <c>timeoutMs</c>, <c>requestedBy</c>,
/// <c>reason</c>, <c>requestedAt</c> (ISO 8601), <c>to</c> (rollback) or <c>weights</c> (an object of weights). Answer:
/// <c>exit</c> (ddctl's exit code), and <c>workflowId</c> and <c>outcome</c> (the update's result) when 0, else
/// <c>message</c> (the one-line error).
/// </remarks>
internal static class OverrideControl
{
    private const int MaxMessage = 1 << 20;
    private const int MaxSocketPath = 107;

    /// <summary>The directory of the workers' control sockets, or null when a socket path there would be too long for Unix.</summary>
    public static string? SocketDirectory(string dataDir)
    {
        var dir = Path.Combine(dataDir, "control");
        return Encoding.UTF8.GetByteCount(dir) + 22 <= MaxSocketPath ? dir : null;
    }

    /// <summary>
    /// Hands the override to a worker listening on the data dir; null when none answers (no socket, or only sockets of
    /// processes that are gone), so the caller goes the store path with the same update id; <see cref="Reply.Dropped"/>
    /// when the worker took it and went away without answering.
    /// </summary>
    public static async Task<Reply?> TrySendAsync(string dataDir, string update, string environment, Override request, string updateId, TimeSpan timeout, CancellationToken ct)
    {
        if (SocketDirectory(dataDir) is not { } dir || !Directory.Exists(dir))
        {
            return null;
        }

        foreach (var path in Directory.GetFiles(dir, "*.sock"))
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
            }
            catch (SocketException)
            {
                // A socket file left by a worker that was killed: nobody listens there.
                continue;
            }

            byte[]? message;
            try
            {
                await socket.SendAsync(Request(update, environment, request, updateId, timeout), SocketFlags.None, ct);
                message = await ReadMessageAsync(socket, ct);
            }
            catch (SocketException)
            {
                message = null;
            }

            if (message is null)
            {
                // The worker went away with the request (killed mid-way): the update may be in the store under this id.
                return Reply.Dropped;
            }

            using var answer = JsonDocument.Parse(message);
            var root = answer.RootElement;
            var exit = root.GetProperty("exit").GetInt32();
            return exit == ExitCodes.Ok
                ? new Reply(exit, null, root.GetProperty("workflowId").GetString(), root.GetProperty("outcome").GetRawText())
                : new Reply(exit, root.GetProperty("message").GetString(), null, null);
        }

        return null;
    }

    /// <summary>Builds the request line by hand: the command avoids the serializer's start-up on its critical path.</summary>
    private static byte[] Request(string update, string environment, Override request, string updateId, TimeSpan timeout)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("update", update);
            w.WriteString("environment", environment);
            w.WriteString("updateId", updateId);
            w.WriteNumber("timeoutMs", (long)timeout.TotalMilliseconds);
            w.WriteString("requestedBy", request.RequestedBy);
            w.WriteString("reason", request.Reason);
            w.WriteString("requestedAt", request.RequestedAt.ToString("O", CultureInfo.InvariantCulture));
            if (request is RollbackOverride { To: { } to })
            {
                w.WriteString("to", to);
            }
            else if (request is SetWeightsOverride set)
            {
                w.WriteStartObject("weights");
                foreach (var (id, weight) in set.Weights.Weights)
                {
                    w.WriteNumber(id, weight);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads one newline-ended message; null when the peer closed first.</summary>
    private static async Task<byte[]?> ReadMessageAsync(Socket socket, CancellationToken ct)
    {
        var received = new MemoryStream();
        var chunk = new byte[4096];
        while (received.Length <= MaxMessage)
        {
            var n = await socket.ReceiveAsync(chunk, SocketFlags.None, ct);
            if (n == 0)
            {
                return null;
            }

            received.Write(chunk, 0, n);
            if (chunk[n - 1] == (byte)'\n')
            {
                return received.ToArray();
            }
        }

        throw new CliException(ExitCodes.InternalError, $"a control message is over {MaxMessage} bytes.");
    }

    /// <summary>What the worker answered: the exit code, and the error's message or the workflow id and the outcome as JSON.</summary>
    internal sealed record Reply(int Exit, string? Message, string? WorkflowId, string? OutcomeJson)
    {
        /// <summary>
        /// The worker took the request and went away without answering: the command goes on through the store with the
        /// same update id, which finds the update if the worker had submitted it, and waits for the next worker to finish it.
        /// </summary>
        public static Reply Dropped { get; } = new(-1, null, null, null);
    }

    /// <summary>The worker's side: listens on its socket and runs each override as the command would.</summary>
    internal sealed class Server : IAsyncDisposable
    {
        private readonly Socket listener;
        private readonly string path;
        private readonly DurableClient client;
        private readonly string dataDir;
        private readonly ILogger log;
        private readonly CancellationTokenSource stop = new();
        private readonly Task accepting;

        private Server(Socket listener, string path, DurableClient client, string dataDir, ILogger log)
        {
            this.listener = listener;
            this.path = path;
            this.client = client;
            this.dataDir = dataDir;
            this.log = log;
            accepting = Task.Run(AcceptAsync);
        }

        /// <summary>Listens for the worker on <paramref name="dataDir"/>; null (logged) when the socket cannot be bound.</summary>
        public static Server? TryStart(DurableClient client, string dataDir, ILogger log)
        {
            if (!Socket.OSSupportsUnixDomainSockets || SocketDirectory(dataDir) is not { } dir)
            {
                log.LogWarning("No override control socket (a socket path in {DataDir} would be too long): ddctl env rollback opens the store itself", dataDir);
                return null;
            }

            var path = Path.Combine(dir, $"{Environment.ProcessId}.sock");
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                Directory.CreateDirectory(dir);
                File.Delete(path); // a file left by an earlier process with this pid
                socket.Bind(new UnixDomainSocketEndPoint(path));
                socket.Listen(16);
                return new Server(socket, path, client, dataDir, log);
            }
            catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
            {
                socket.Dispose();
                log.LogWarning("No override control socket at {Path} ({Error}): ddctl env rollback opens the store itself", path, e.Message);
                return null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            listener.Dispose();
            try
            {
                await accepting;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }

            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Gone already.
            }

            stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                Socket connection;
                try
                {
                    connection = await listener.AcceptAsync(stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }

                _ = Task.Run(() => ServeAsync(connection));
            }
        }

        private async Task ServeAsync(Socket connection)
        {
            using (connection)
            {
                byte[] answer;
                try
                {
                    var message = await ReadMessageAsync(connection, stop.Token);
                    if (message is null)
                    {
                        return;
                    }

                    answer = await RunAsync(message);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    return;
                }

                try
                {
                    await connection.SendAsync(answer, SocketFlags.None, stop.Token);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    log.LogWarning("The command that sent an override went away before its answer: {Error}", e.Message);
                }
            }
        }

        /// <summary>Runs one override as <c>ddctl env rollback|set-weights</c> would on the store path; the answer line.</summary>
        private async Task<byte[]> RunAsync(byte[] message)
        {
            try
            {
                using var doc = JsonDocument.Parse(message);
                var r = doc.RootElement;
                var update = r.GetProperty("update").GetString();
                var environment = DeliveryCli.CheckEnvironmentName(r.GetProperty("environment").GetString());
                var by = r.GetProperty("requestedBy").GetString()!;
                var reason = r.GetProperty("reason").GetString()!;
                var at = DateTimeOffset.Parse(r.GetProperty("requestedAt").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                Override request = update switch
                {
                    "rollback" => new RollbackOverride { To = r.TryGetProperty("to", out var to) ? to.GetString() : null, RequestedBy = by, Reason = reason, RequestedAt = at },
                    "setWeights" => new SetWeightsOverride
                    {
                        Weights = new TrafficWeights { Weights = r.GetProperty("weights").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal) },
                        RequestedBy = by, Reason = reason, RequestedAt = at,
                    },
                    _ => throw CliException.BadInput($"unknown override '{update}'; expected rollback or setWeights."),
                };
                var what = update == "rollback" ? "rollback" : "weight change";
                await using var cli = DeliveryCli.Borrow(client, dataDir, TimeSpan.FromMilliseconds(r.GetProperty("timeoutMs").GetInt64()));
                var run = await cli.RequireRunningEnvironmentAsync(environment);
                var outcome = await cli.UpdateAsync<OverrideOutcome>(
                    run.WorkflowId, update!, request, what, $"ddctl env status {environment}", stop.Token, updateId: r.GetProperty("updateId").GetString());
                return Answer(w =>
                {
                    w.WriteNumber("exit", ExitCodes.Ok);
                    w.WriteString("workflowId", run.WorkflowId);
                    w.WritePropertyName("outcome");
                    w.WriteRawValue(PayloadConverter.Serialize(outcome));
                });
            }
            catch (CliException e)
            {
                return Answer(w =>
                {
                    w.WriteNumber("exit", e.ExitCode);
                    w.WriteString("message", e.Message);
                });
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                return Answer(w =>
                {
                    w.WriteNumber("exit", ExitCodes.BadInput);
                    w.WriteString("message", $"malformed override request on the control socket: {e.Message}");
                });
            }
        }

        private static byte[] Answer(Action<Utf8JsonWriter> write)
        {
            var buffer = new ArrayBufferWriter<byte>(512);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                write(w);
                w.WriteEndObject();
            }

            buffer.Write("\n"u8);
            return buffer.WrittenSpan.ToArray();
        }
    }
}
