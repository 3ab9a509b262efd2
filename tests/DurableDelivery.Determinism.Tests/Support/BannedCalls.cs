namespace DurableDelivery.Determinism.Tests.Support;

/// <summary>
/// One call per entry of workflows/BannedSymbols.txt. The analyzer silently ignores an entry that names no API (a
/// mistyped id bans nothing), so every entry gets a call that must be refused, and a test keeps this list and the file
/// in step. In scope in the probe: <c>t1, t2</c> (Task), <c>i1, i2</c> (Task&lt;int&gt;), <c>ct</c>, <c>clock</c> (TimeProvider).
/// </summary>
public static class BannedCalls
{
    private const string Now = "use Workflow.UtcNow";
    private const string Delay = "use Workflow.DelayAsync";
    private const string RunTask = "use Workflow.RunTaskAsync";
    private const string WhenAny = "Use Workflow.WhenAnyAsync";
    private const string WhenAll = "Use Workflow.WhenAllAsync";
    private const string Activity = "activity";

    public static IReadOnlyList<BannedCall> All { get; } =
    [
        // Clock and time zone.
        new("P:System.DateTime.Now", "_ = DateTime.Now;", Now),
        new("P:System.DateTime.UtcNow", "_ = DateTime.UtcNow;", Now),
        new("P:System.DateTime.Today", "_ = DateTime.Today;", "use Workflow.UtcNow.Date"),
        new("P:System.DateTimeOffset.Now", "_ = DateTimeOffset.Now;", Now),
        new("P:System.DateTimeOffset.UtcNow", "_ = DateTimeOffset.UtcNow;", Now),
        new("P:System.TimeZoneInfo.Local", "_ = TimeZoneInfo.Local;", "Workflow.UtcNow"),
        new("M:System.DateTime.ToLocalTime", "_ = DateTime.UnixEpoch.ToLocalTime();", "Workflow.UtcNow"),
        new("P:System.TimeProvider.System", "_ = TimeProvider.System;", "use Workflow.UtcNow and Workflow.DelayAsync"),
        new("T:System.Diagnostics.Stopwatch", "_ = System.Diagnostics.Stopwatch.StartNew();", "Workflow.UtcNow"),
        new("P:System.Environment.TickCount", "_ = Environment.TickCount;", Now),
        new("P:System.Environment.TickCount64", "_ = Environment.TickCount64;", Now),

        // Real timers.
        new("M:System.Threading.Tasks.Task.Delay(System.Int32)", "_ = Task.Delay(1);", Delay),
        new("M:System.Threading.Tasks.Task.Delay(System.TimeSpan)", "_ = Task.Delay(TimeSpan.Zero);", Delay),
        new("M:System.Threading.Tasks.Task.Delay(System.Int32,System.Threading.CancellationToken)", "_ = Task.Delay(1, ct);", Delay),
        new("M:System.Threading.Tasks.Task.Delay(System.TimeSpan,System.Threading.CancellationToken)", "_ = Task.Delay(TimeSpan.Zero, ct);", Delay),
        new("M:System.Threading.Tasks.Task.Delay(System.TimeSpan,System.TimeProvider)", "_ = Task.Delay(TimeSpan.Zero, clock);", Delay),
        new("M:System.Threading.Tasks.Task.Delay(System.TimeSpan,System.TimeProvider,System.Threading.CancellationToken)", "_ = Task.Delay(TimeSpan.Zero, clock, ct);", Delay),
        new("T:System.Threading.Timer", "using var threadingTimer = new System.Threading.Timer(_ => { });", Delay),
        new("T:System.Timers.Timer", "using var timersTimer = new System.Timers.Timer();", Delay),

        // Work outside the workflow scheduler.
        new("M:System.Threading.Tasks.Task.Run(System.Action)", "_ = Task.Run(() => { });", RunTask),
        new("M:System.Threading.Tasks.Task.Run(System.Action,System.Threading.CancellationToken)", "_ = Task.Run(() => { }, ct);", RunTask),
        new("M:System.Threading.Tasks.Task.Run(System.Func{System.Threading.Tasks.Task})", "_ = Task.Run(() => Task.CompletedTask);", RunTask),
        new("M:System.Threading.Tasks.Task.Run(System.Func{System.Threading.Tasks.Task},System.Threading.CancellationToken)", "_ = Task.Run(() => Task.CompletedTask, ct);", RunTask),
        new("M:System.Threading.Tasks.Task.Run``1(System.Func{``0})", "_ = Task.Run(() => 1);", RunTask),
        new("M:System.Threading.Tasks.Task.Run``1(System.Func{``0},System.Threading.CancellationToken)", "_ = Task.Run(() => 1, ct);", RunTask),
        new("M:System.Threading.Tasks.Task.Run``1(System.Func{System.Threading.Tasks.Task{``0}})", "_ = Task.Run(() => Task.FromResult(1));", RunTask),
        new("M:System.Threading.Tasks.Task.Run``1(System.Func{System.Threading.Tasks.Task{``0}},System.Threading.CancellationToken)", "_ = Task.Run(() => Task.FromResult(1), ct);", RunTask),
        new("T:System.Threading.Tasks.TaskFactory", "_ = Task.Factory.StartNew(() => { });", RunTask),
        new("T:System.Threading.Tasks.TaskFactory`1", "_ = Task<int>.Factory.StartNew(() => 1);", RunTask),
        new("T:System.Threading.Tasks.Parallel", "_ = Parallel.For(0, 1, i => { });", Activity),
        new("T:System.Threading.Thread", "Thread.Sleep(0);", Activity),
        new("T:System.Threading.ThreadPool", "_ = ThreadPool.QueueUserWorkItem(_ => { });", Activity),
        new("T:System.Threading.SemaphoreSlim", "using var gate = new SemaphoreSlim(1);", "use Workflow.WaitConditionAsync"),

        // WhenAny / WhenAll / WhenEach: C# 13 binds Task.WhenAll(a, b) to the params ReadOnlySpan overload.
        new("M:System.Threading.Tasks.Task.WhenAny(System.Threading.Tasks.Task[])", "_ = Task.WhenAny(new[] { t1, t2 });", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenAny(System.Threading.Tasks.Task,System.Threading.Tasks.Task)", "_ = Task.WhenAny(t1, t2);", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenAny(System.ReadOnlySpan{System.Threading.Tasks.Task})", "_ = Task.WhenAny(t1, t2, t1);", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenAny(System.Collections.Generic.IEnumerable{System.Threading.Tasks.Task})", "_ = Task.WhenAny(new List<Task> { t1 });", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenAny``1(System.Threading.Tasks.Task{``0}[])", "_ = Task.WhenAny(new[] { i1, i2 });", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenAny``1(System.Threading.Tasks.Task{``0},System.Threading.Tasks.Task{``0})", "_ = Task.WhenAny(i1, i2);", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenAny``1(System.ReadOnlySpan{System.Threading.Tasks.Task{``0}})", "_ = Task.WhenAny(i1, i2, i1);", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenAny``1(System.Collections.Generic.IEnumerable{System.Threading.Tasks.Task{``0}})", "_ = Task.WhenAny(new List<Task<int>> { i1 });", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenAll(System.Threading.Tasks.Task[])", "_ = Task.WhenAll(new[] { t1, t2 });", WhenAll),
        new("M:System.Threading.Tasks.Task.WhenAll(System.ReadOnlySpan{System.Threading.Tasks.Task})", "_ = Task.WhenAll(t1, t2);", WhenAll),
        new("M:System.Threading.Tasks.Task.WhenAll(System.Collections.Generic.IEnumerable{System.Threading.Tasks.Task})", "_ = Task.WhenAll(new List<Task> { t1 });", WhenAll),
        new("M:System.Threading.Tasks.Task.WhenAll``1(System.Threading.Tasks.Task{``0}[])", "_ = Task.WhenAll(new[] { i1, i2 });", WhenAll),
        new("M:System.Threading.Tasks.Task.WhenAll``1(System.ReadOnlySpan{System.Threading.Tasks.Task{``0}})", "_ = Task.WhenAll(i1, i2);", WhenAll),
        new("M:System.Threading.Tasks.Task.WhenAll``1(System.Collections.Generic.IEnumerable{System.Threading.Tasks.Task{``0}})", "_ = Task.WhenAll(new List<Task<int>> { i1 });", WhenAll),
        new("M:System.Threading.Tasks.Task.WhenEach(System.Threading.Tasks.Task[])", "_ = Task.WhenEach(new[] { t1, t2 });", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenEach(System.ReadOnlySpan{System.Threading.Tasks.Task})", "_ = Task.WhenEach(t1, t2);", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenEach(System.Collections.Generic.IEnumerable{System.Threading.Tasks.Task})", "_ = Task.WhenEach(new List<Task> { t1 });", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenEach``1(System.Threading.Tasks.Task{``0}[])", "_ = Task.WhenEach(new[] { i1, i2 });", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenEach``1(System.ReadOnlySpan{System.Threading.Tasks.Task{``0}})", "_ = Task.WhenEach(i1, i2);", WhenAny),
        new("M:System.Threading.Tasks.Task.WhenEach``1(System.Collections.Generic.IEnumerable{System.Threading.Tasks.Task{``0}})", "_ = Task.WhenEach(new List<Task<int>> { i1 });", WhenAny),

        // Randomness.
        new("T:System.Random", "_ = new Random();", "use Workflow.Random"),
        new("T:System.Security.Cryptography.RandomNumberGenerator", "_ = System.Security.Cryptography.RandomNumberGenerator.GetInt32(10);", "use Workflow.Random"),
        new("M:System.Guid.NewGuid", "_ = Guid.NewGuid();", "use Workflow.NewGuid()"),
        new("M:System.Guid.CreateVersion7", "_ = Guid.CreateVersion7();", "use Workflow.NewGuid()"),
        new("M:System.Guid.CreateVersion7(System.DateTimeOffset)", "_ = Guid.CreateVersion7(DateTimeOffset.UnixEpoch);", "use Workflow.NewGuid()"),

        // Environment and processes.
        new("T:System.Environment", "_ = Environment.GetEnvironmentVariable(\"HOME\");", "pass settings as workflow input or read them in an activity"),
        new("T:System.AppContext", "_ = AppContext.BaseDirectory;", "pass settings as workflow input or read them in an activity"),
        new("T:System.Diagnostics.Process", "using var process = System.Diagnostics.Process.GetCurrentProcess();", Activity),
        new("T:System.Diagnostics.ProcessStartInfo", "_ = new System.Diagnostics.ProcessStartInfo(\"true\");", Activity),
        new("T:System.Console", "Console.WriteLine();", "use Workflow.Logger"),

        // Files.
        new("T:System.IO.File", "_ = File.ReadAllText(\"deploy.yaml\");", Activity),
        new("T:System.IO.FileInfo", "_ = new FileInfo(\"deploy.yaml\");", Activity),
        new("T:System.IO.Directory", "_ = Directory.GetFiles(\".\");", Activity),
        new("T:System.IO.DirectoryInfo", "_ = new DirectoryInfo(\".\");", Activity),
        new("T:System.IO.FileSystemInfo", "_ = typeof(FileSystemInfo);", Activity),
        new("T:System.IO.FileStream", "using var fileStream = new FileStream(\"deploy.yaml\", FileMode.Open);", Activity),
        new("T:System.IO.StreamReader", "using var reader = new StreamReader(\"deploy.yaml\");", Activity),
        new("T:System.IO.StreamWriter", "using var writer = new StreamWriter(\"deploy.yaml\");", Activity),
        new("T:System.IO.FileSystemWatcher", "using var watcher = new FileSystemWatcher(\".\");", Activity),
        new("T:System.IO.DriveInfo", "_ = DriveInfo.GetDrives();", Activity),
        new("T:System.IO.RandomAccess", "_ = RandomAccess.GetLength(null!);", Activity),
        new("T:System.IO.Compression.ZipFile", "System.IO.Compression.ZipFile.ExtractToDirectory(\"a.zip\", \"out\");", Activity),
        new("N:System.IO.MemoryMappedFiles", "using var mapped = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(\"deploy.yaml\");", Activity),
        new("N:System.IO.Pipes", "using var pipe = new System.IO.Pipes.AnonymousPipeServerStream();", Activity),
        new("M:System.IO.Path.GetTempFileName", "_ = Path.GetTempFileName();", Activity),
        new("M:System.IO.Path.GetTempPath", "_ = Path.GetTempPath();", Activity),
        new("M:System.IO.Path.GetRandomFileName", "_ = Path.GetRandomFileName();", "Workflow.Random"),
        new("M:System.IO.Path.GetFullPath(System.String)", "_ = Path.GetFullPath(\"deploy.yaml\");", Activity),

        // Network.
        new("N:System.Net.Http", "using var http = new HttpClient();", Activity),
        new("T:System.Net.WebClient", "using var webClient = new System.Net.WebClient();", Activity),
        new("T:System.Net.WebRequest", "_ = System.Net.WebRequest.Create(\"http://localhost/\");", Activity),
        new("T:System.Net.HttpListener", "using var listener = new System.Net.HttpListener();", Activity),
        new("T:System.Net.Dns", "_ = System.Net.Dns.GetHostName();", Activity),
        new("N:System.Net.Sockets", "using var tcp = new System.Net.Sockets.TcpClient();", Activity),
        new("N:System.Net.WebSockets", "using var webSocket = new System.Net.WebSockets.ClientWebSocket();", Activity),
        new("N:System.Net.NetworkInformation", "using var ping = new System.Net.NetworkInformation.Ping();", Activity),
        new("N:System.Net.Mail", "using var smtp = new System.Net.Mail.SmtpClient();", Activity),
    ];

    /// <summary>Gets the entry ids, as xunit theory data.</summary>
    public static TheoryData<string> EntryIds => new(All.Select(call => call.EntryId));
}
