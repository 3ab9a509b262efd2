namespace DurableDelivery.Cli.Tests.Support;

/// <summary>The shape every bad-input test checks: one exact error on stderr, nothing on stdout, the exit code, and a store that did not change.</summary>
public static class Refusal
{
    public static async Task AssertAsync(string dataDir, int exitCode, string error, IReadOnlyList<string> args)
    {
        var before = await StoreSnapshot.TakeAsync(dataDir);

        var result = await Ddctl.RunAsync([.. args, "--data-dir", dataDir]);

        result.ExitCode.ShouldBe(exitCode, result.ToString());
        result.Stderr.ShouldBe(error + "\n");
        result.Stdout.ShouldBeEmpty();
        (await StoreSnapshot.TakeAsync(dataDir)).ShouldBe(before);
    }
}
