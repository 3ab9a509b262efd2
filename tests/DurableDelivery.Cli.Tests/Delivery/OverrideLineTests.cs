using System.CommandLine;
using DurableDelivery.Cli;
using DurableDelivery.Cli.Delivery;

namespace DurableDelivery.Cli.Tests.Delivery;

/// <summary>
/// <c>ddctl env rollback|set-weights</c> read a plain command line themselves, without System.CommandLine
/// (<see cref="OverrideLine.TryRead"/>). That reader must never disagree with the full parser: whatever it reads, the full
/// parser reads to the same values; whatever the full parser refuses or treats specially, it declines.
/// </summary>
public sealed class OverrideLineTests
{
    public static TheoryData<string[]> Accepted() =>
    [
        ["env", "rollback", "demo", "--reason", "v2 is bad"],
        ["env", "rollback", "demo", "--reason", "v2 is bad", "--as", "oncall", "-o", "json"],
        ["env", "rollback", "--reason", "before the env", "demo", "--to", "demo-sample-v1-0001"],
        ["env", "rollback", "demo", "--reason", "x", "--data-dir", "/tmp/dd", "--timeout", "2s", "--host-worker", "never", "--output", "table"],
        ["env", "rollback", "demo", "--reason", "quotes \" and \\ and café"],
        ["env", "rollback", "demo"],
        ["env", "rollback", "not a name", "--reason", "checked later, the same way"],
        ["env", "rollback", "demo", "--reason", "x", "--timeout", "nonsense"],
        ["env", "rollback", "demo", "--reason", "x", "--to", " "],
        ["env", "set-weights", "demo", "a=90,b=10", "--reason", "hold"],
        ["env", "set-weights", "--as", "me", "demo", "--reason", "hold", "a=1"],
        ["env", "set-weights", "demo", "not-weights", "--reason", "checked later"],
    ];

    private static readonly string[][] DeclinedLines =
    [
        ["env", "rollback", "--help"],
        ["env", "rollback", "demo", "-h"],
        ["env", "rollback", "demo", "-?"],
        ["env", "rollback", "demo", "--reason=inline"],
        ["env", "rollback", "demo", "--reason", "x", "--reason", "twice"],
        ["env", "rollback", "demo", "--reason"],
        ["env", "rollback", "demo", "--reason", "-starts-with-dash"],
        ["env", "rollback", "demo", "--reason", "@file"],
        ["env", "rollback", "@args.rsp"],
        ["env", "rollback", "demo", "extra", "--reason", "x"],
        ["env", "rollback", "--reason", "x"],
        ["env", "rollback", "demo", "--reason", "x", "--unknown", "y"],
        ["env", "rollback", "demo", "--reason", "x", "-o", "yaml"],
        ["env", "rollback", "demo", "--reason", "x", "--host-worker", "sometimes"],
        ["env", "rollback", "demo", "--reason", "x", "--", "demo"],
        ["env", "rollback", "demo", "--reason", ""],
        ["env", "set-weights", "demo", "--reason", "x"],
        ["env", "set-weights", "demo", "a=1", "--to", "a", "--reason", "x"],
        ["env", "status", "demo"],
        ["env", "rollback"],
        ["rollback", "env", "demo"],
        ["--version"],
    ];

    public static TheoryData<string[]> Declined() => [.. DeclinedLines];

    [Theory]
    [MemberData(nameof(Accepted))]
    public void TryRead_PlainLine_ReadsWhatSystemCommandLineReads(string[] args)
    {
        var parse = Parse(args);
        parse.Errors.ShouldBeEmpty();
        parse.UnmatchedTokens.ShouldBeEmpty();

        OverrideLine.TryRead(args).ShouldBe(OverrideLine.Of(parse));
    }

    [Theory]
    [MemberData(nameof(Declined))]
    public void TryRead_AnythingElse_Declined(string[] args) => OverrideLine.TryRead(args).ShouldBeNull();

    [Fact]
    public void TryRead_RandomLines_NeverAcceptsWhatTheFullParserReadsDifferently()
    {
        // Differential check over generated command lines: whenever the fast reader accepts one, System.CommandLine
        // parses it without errors, runs the command (not help), and reads the same values.
        string[] tokens =
        [
            "demo", "prod_1", "a=90,b=10", "x y", "--reason", "--as", "--to", "--data-dir", "--timeout", "--output", "-o", "--host-worker",
            "json", "table", "auto", "never", "2s", "-x", "@f", "--", "--help", "-h", "", "--reason=x", "--unknown", "café", "rollback",
        ];
        var random = new Random(20261121);
        var accepted = 0;
        for (var n = 0; n < 20_000; n++)
        {
            var args = new List<string> { "env", random.Next(2) == 0 ? "rollback" : "set-weights" };
            for (var k = random.Next(1, 9); k > 0; k--)
            {
                args.Add(tokens[random.Next(tokens.Length)]);
            }

            if (OverrideLine.TryRead(args) is not { } line)
            {
                continue;
            }

            accepted++;
            var parse = Parse([.. args]);
            var shown = string.Join(" | ", args);
            parse.Errors.ShouldBeEmpty(shown);
            parse.UnmatchedTokens.ShouldBeEmpty(shown);
            parse.Action.ShouldBeOfType<Common.CliAction>(shown);
            line.ShouldBe(OverrideLine.Of(parse), shown);
        }

        accepted.ShouldBeGreaterThan(100, "the generator must reach the accepting cases to test anything");
    }

    private static ParseResult Parse(string[] args)
    {
        var root = new RootCommand();
        foreach (var command in CommandGroups.For(args))
        {
            root.Subcommands.Add(command);
        }

        return root.Parse(args);
    }
}
