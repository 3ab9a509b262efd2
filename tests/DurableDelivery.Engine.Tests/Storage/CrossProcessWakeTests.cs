using System.Net.Sockets;
using DurableDelivery.Engine.Storage;

namespace DurableDelivery.Engine.Tests.Storage;

/// <summary>
/// The socket mechanics of <see cref="CrossProcessWake"/> (the end-to-end proof, a worker process and a client that
/// never poll, is in the crash tests): two stores on one data dir stand for two processes.
/// </summary>
public sealed class CrossProcessWakeTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "dd-wk-" + Guid.NewGuid().ToString("N")[..10]);

    public CrossProcessWakeTests() => Directory.CreateDirectory(dir);

    [Fact]
    public async Task Send_PulsesTheKeysInTheOtherProcess_AndAnEarlierProcessLearnsOfALaterOne()
    {
        var first = new StoreNotifier();
        using var a = CrossProcessWake.TryCreate(dir, first).ShouldNotBeNull();
        var second = new StoreNotifier();
        using var b = CrossProcessWake.TryCreate(dir, second).ShouldNotBeNull();

        // b said hello when it opened; a answers it from then on without waiting for its periodic directory listing.
        var inA = first.Watch("run:1");
        b.Send(["work", "run:1"]);
        await inA.WaitAsync(TimeSpan.FromSeconds(30));

        a.PeerCount.ShouldBe(1, "a datagram's sender is added before its keys are pulsed");
        var inB = second.Watch("update:u1");
        a.Send(["update:u1"]);
        await inB.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Send_TooManyKeysForOneDatagram_WakesEveryWaiter()
    {
        var receiver = new StoreNotifier();
        using var r = CrossProcessWake.TryCreate(dir, receiver).ShouldNotBeNull();
        using var s = CrossProcessWake.TryCreate(dir, new StoreNotifier()).ShouldNotBeNull();
        var waiting = receiver.Watch("query:7");
        s.Send([.. Enumerable.Range(0, 2_000).Select(i => $"update:{Guid.NewGuid()}")]);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Send_ToTheSocketOfAKilledProcess_DeletesItsFile()
    {
        var wake = CrossProcessWake.WakeDirectory(dir);
        Directory.CreateDirectory(wake);
        var stale = Path.Combine(wake, "999999-deadbeef.sock");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
        {
            // Bound, then closed without its file being removed, which is what SIGKILL leaves behind (a socket that closes
            // normally removes its file, so the file is renamed away from under it first).
            var bound = stale + ".tmp";
            dead.Bind(new UnixDomainSocketEndPoint(bound));
            File.Move(bound, stale);
        }

        File.Exists(stale).ShouldBeTrue("the test needs a socket file nobody is bound to");
        using var w = CrossProcessWake.TryCreate(dir, new StoreNotifier()).ShouldNotBeNull();
        w.Send(["work"]);
        File.Exists(stale).ShouldBeFalse("a socket nobody is bound to refuses datagrams and its file is removed");
        w.PeerCount.ShouldBe(0);
    }

    [Fact]
    public void Dispose_RemovesOwnSocket()
    {
        var w = CrossProcessWake.TryCreate(dir, new StoreNotifier()).ShouldNotBeNull();
        File.Exists(w.SocketPath).ShouldBeTrue();
        w.Dispose();
        File.Exists(w.SocketPath).ShouldBeFalse();
    }

    [Fact]
    public void WakeDirectory_IsInTheDataDir_UnlessASocketPathThereWouldBeTooLong()
    {
        CrossProcessWake.WakeDirectory(dir).ShouldBe(Path.Combine(dir, "wake"));
        var deep = Path.Combine(dir, new string('d', 60), new string('e', 60));
        var fallback = CrossProcessWake.WakeDirectory(deep);
        fallback.ShouldStartWith(Path.GetTempPath());
        fallback.ShouldBe(CrossProcessWake.WakeDirectory(deep), "every process on one data dir must find the same directory");
        (fallback.Length + 22).ShouldBeLessThanOrEqualTo(107);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS.
        }
    }
}
