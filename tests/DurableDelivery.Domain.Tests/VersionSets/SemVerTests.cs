using DurableDelivery.Domain.VersionSets;
using FsCheck;
using FsCheck.Fluent;

namespace DurableDelivery.Domain.Tests.VersionSets;

public class SemVerTests
{
    [Theory]
    [InlineData("1.2.3", "1.2.3")]
    [InlineData("v1.2.3", "1.2.3")]
    [InlineData("V10.0.1-rc.1+build.5", "10.0.1-rc.1+build.5")]
    [InlineData(" 0.0.0 ", "0.0.0")]
    public void Parse_ValidText_Normalizes(string text, string expected) =>
        SemVer.Parse(text).ToString().ShouldBe(expected);

    [Theory]
    [InlineData("1.2")]
    [InlineData("1.2.3.4")]
    [InlineData("01.2.3")]
    [InlineData("1.2.x")]
    [InlineData("1.2.3-")]
    [InlineData("1.2.3-01")]
    [InlineData("1.2.3+")]
    [InlineData("")]
    [InlineData("v")]
    [InlineData("-1.2.3")]
    public void TryParse_InvalidText_Fails(string text) =>
        SemVer.TryParse(text, out _).ShouldBeFalse();

    [Fact]
    public void TryParsePartial_MissingMinorAndPatch_AreZero()
    {
        SemVer.TryParsePartial("7", out var a).ShouldBeTrue();
        a!.ToString().ShouldBe("7.0.0");
        SemVer.TryParsePartial("v2.3", out var b).ShouldBeTrue();
        b!.ToString().ShouldBe("2.3.0");
    }

    [Fact]
    public void CompareTo_SemverOrgPrecedenceExample_IsStrictlyIncreasing()
    {
        // The precedence example of semver.org section 11.
        string[] ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0"];
        for (var i = 1; i < ordered.Length; i++)
        {
            (SemVer.Parse(ordered[i - 1]) < SemVer.Parse(ordered[i])).ShouldBeTrue($"{ordered[i - 1]} < {ordered[i]}");
        }
    }

    [Fact]
    public void Equals_BuildMetadataAndPrefix_Ignored()
    {
        SemVer.Parse("v1.0.0+a").ShouldBe(SemVer.Parse("1.0.0+b"));
        SemVer.Parse("v1.0.0+a").GetHashCode().ShouldBe(SemVer.Parse("1.0.0").GetHashCode());
    }

    [Fact]
    public void CompareTo_IsAntisymmetricAndMatchesNumericTuple()
    {
        Prop.ForAll(
            Gen.Choose(0, 20).Three().ToArbitrary(),
            Gen.Choose(0, 20).Three().ToArbitrary(),
            (a, b) =>
            {
                var x = SemVer.Parse($"{a.Item1}.{a.Item2}.{a.Item3}");
                var y = SemVer.Parse($"{b.Item1}.{b.Item2}.{b.Item3}");
                var expected = (a.Item1, a.Item2, a.Item3).CompareTo((b.Item1, b.Item2, b.Item3));
                return Math.Sign(x.CompareTo(y)) == Math.Sign(expected) && x.CompareTo(y) == -y.CompareTo(x);
            }).QuickCheckThrowOnFailure();
    }
}
