using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
/// <c>exit</c> (ddctl's exit code); when 0, <c>workflowId</c>, <c>message</c> (what the environment did), <c>weights</c> and
/// <c>weightsBefore</c> (objects of weights, the latter null when unknown) and <c>override</c> (the override as recorded,
/// with its <c>kind</c>), else <c>message</c> (the one-line error). The command reads the answer without the serializer,
/// whose start-up would cost it tens of milliseconds.
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
    /// Starts, on another thread, what the first use of a socket costs a process (loading and initializing its code, a few
    /// milliseconds), when the command line is <c>env rollback</c> or <c>env set-weights</c>: it then overlaps the parsing
    /// of the command line instead of delaying the override. (JSON is left for after the switch: warming it here too
    /// would compete with the worker for the CPU while it applies the override.)
    /// </summary>
    public static void PrewarmFor(IReadOnlyList<string> args)
    {
        if (!OverrideLine.IsOverrideCommand(args) || !Socket.OSSupportsUnixDomainSockets)
        {
            return;
        }

        new Thread(() =>
        {
            try
            {
                using (new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
                {
                    _ = new UnixDomainSocketEndPoint("/");
                }
            }
            catch (SocketException)
            {
                // Only a warm-up: the command makes its own socket and reports what fails.
            }
        })
        { IsBackground = true, Name = "ddctl warm-up" }.Start();
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

        byte[]? line = null;
        foreach (var path in Directory.GetFiles(dir, "*.sock"))
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                // Blocking connect and send: a local socket answers at once, and the asynchronous engine's start-up would
                // sit on the way to the worker. The wait for the answer below is asynchronous (Ctrl-C ends it).
                socket.Connect(new UnixDomainSocketEndPoint(path));
            }
            catch (SocketException)
            {
                // A socket file left by a worker that was killed: nobody listens there.
                continue;
            }

            byte[]? message;
            try
            {
                line ??= Request(update, environment, request, updateId, timeout);
                socket.Send(line, SocketFlags.None);
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
            var text = root.GetProperty("message").GetString();
            return exit == ExitCodes.Ok
                ? new Reply(exit, text, root.GetProperty("workflowId").GetString())
                {
                    Weights = ReadWeights(root.GetProperty("weights")),
                    WeightsBefore = root.GetProperty("weightsBefore") is { ValueKind: JsonValueKind.Object } before ? ReadWeights(before) : null,
                    Override = JsonNode.Parse(root.GetProperty("override").GetRawText()),
                }
                : new Reply(exit, text, null);
        }

        return null;
    }

    /// <summary>Reads an object of weights (<c>{"id": 90, ...}</c>).</summary>
    private static TrafficWeights ReadWeights(JsonElement weights) =>
        new() { Weights = weights.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal) };

    /// <summary>
    /// Writes the request line by hand: the command avoids the start-up of System.Text.Json's writer and encoder on its
    /// way to the worker (the worker parses it with <see cref="JsonDocument"/>).
    /// </summary>
    private static byte[] Request(string update, string environment, Override request, string updateId, TimeSpan timeout)
    {
        var json = new StringBuilder(256).Append('{');
        Field(json, "update").AppendJsonString(update);
        Field(json, "environment").AppendJsonString(environment);
        Field(json, "updateId").AppendJsonString(updateId);
        Field(json, "timeoutMs").Append(((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        Field(json, "requestedBy").AppendJsonString(request.RequestedBy);
        Field(json, "reason").AppendJsonString(request.Reason);
        Field(json, "requestedAt").AppendJsonString(request.RequestedAt.ToString("O", CultureInfo.InvariantCulture));
        if (request is RollbackOverride { To: { } to })
        {
            Field(json, "to").AppendJsonString(to);
        }
        else if (request is SetWeightsOverride set)
        {
            Field(json, "weights").Append('{');
            foreach (var (id, weight) in set.Weights.Weights)
            {
                Field(json, id).Append(weight.ToString(CultureInfo.InvariantCulture));
            }

            json.Append('}');
        }

        return Encoding.UTF8.GetBytes(json.Append("}\n").ToString());

        // A name and its colon, after a comma unless it opens its object.
        static StringBuilder Field(StringBuilder json, string name) => json.Append(json[^1] == '{' ? "" : ",").AppendJsonString(name).Append(':');
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

    /// <summary>What the worker answered: the exit code and its message (the error, or what the environment did), and on success the workflow id, the weights and the override as recorded.</summary>
    internal sealed record Reply(int Exit, string? Message, string? WorkflowId)
    {
        /// <summary>
        /// The worker took the request and went away without answering: the command goes on through the store with the
        /// same update id, which finds the update if the worker had submitted it, and waits for the next worker to finish it.
        /// </summary>
        public static Reply Dropped { get; } = new(-1, null, null);

        /// <summary>Gets the listener weights after the override.</summary>
        public TrafficWeights Weights { get; init; } = TrafficWeights.None;

        /// <summary>Gets the listener weights before the override, when the environment knew them.</summary>
        public TrafficWeights? WeightsBefore { get; init; }

        /// <summary>Gets the override as the worker recorded it (with its <c>kind</c>).</summary>
        public JsonNode? Override { get; init; }
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
                    w.WriteString("message", outcome.Message);
                    w.WritePropertyName("weights");
                    WriteWeights(w, outcome.Weights);
                    w.WritePropertyName("weightsBefore");
                    WriteWeights(w, outcome.WeightsBefore);
                    w.WritePropertyName("override");
                    DeliveryCli.OverrideJson(request)!.WriteTo(w);
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

        private static void WriteWeights(Utf8JsonWriter w, TrafficWeights? weights)
        {
            if (weights is null)
            {
                w.WriteNullValue();
                return;
            }

            w.WriteStartObject();
            foreach (var (id, weight) in weights.Weights)
            {
                w.WriteNumber(id, weight);
            }

            w.WriteEndObject();
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
