using System.Text.Json;
using DurableDelivery.Domain.VersionSets;

namespace DurableDelivery.Domain.Tests.VersionSets;

public class VersionSetTests
{
    private const string Good = """
        stack: sample
        components:
          - name: app
            version: v2.4.0
            artifact: sample-v2
          - name: schema
            version: 7.1.0
            artifact: schema-7
        constraints:
          - app >= 2.3 requires schema >= 7
        """;

    [Fact]
    public void Parse_ValidYaml_ReturnsVersionSet()
    {
        var result = VersionSet.Parse(Good, "v2.yaml");

        result.Problems.ShouldBeEmpty();
        var set = result.GetValueOrThrow();
        set.Stack.ShouldBe("sample");
        set.Components.Select(c => $"{c.Name}={c.Version}@{c.Artifact}").ShouldBe(["app=2.4.0@sample-v2", "schema=7.1.0@schema-7"]);
        set.Constraints.Single().ToString().ShouldBe("app >= 2.3.0 requires schema >= 7.0.0");
        set.Validate().ShouldBeEmpty();
    }

    [Fact]
    public void Parse_Json_SameHashAsYamlInOtherOrder()
    {
        const string json = """
            {"constraints": ["app>=2.3 requires schema>=7"],
             "components": [{"artifact": "schema-7", "version": "7.1.0", "name": "schema"},
                            {"name": "app", "artifact": "sample-v2", "version": "2.4.0"}],
             "stack": "sample"}
            """;

        var yaml = VersionSet.Parse(Good, "v2.yaml").GetValueOrThrow();
        var fromJson = VersionSet.Parse(json, "v2.json").GetValueOrThrow();

        fromJson.ContentHash.ShouldBe(yaml.ContentHash);
        fromJson.ContentHash.ShouldStartWith("sha256:");
        fromJson.ContentHash.Length.ShouldBe(71);
    }

    [Fact]
    public void ContentHash_DifferentArtifact_Differs()
    {
        var a = VersionSet.Parse(Good, "a").GetValueOrThrow();
        var b = VersionSet.Parse(Good.Replace("sample-v2", "sample-v2b", StringComparison.Ordinal), "b").GetValueOrThrow();

        b.ContentHash.ShouldNotBe(a.ContentHash);
    }

    [Fact]
    public void Parse_EveryProblem_ReportedAtOnceWithLines()
    {
        const string text = """
            components:
              - name: app
                version: 2.x
                artifact: sample-v2
              - name: app
                version: 1.0.0
              - version: 1.0.0
                artifact: a
              - name: bad name
                version: 1.0.0
                artifact: b
            constraints:
              - app >= 2 requires cache >= 1
              - app needs schema
            colour: blue
            """;

        var result = VersionSet.Parse(text, "bad.yaml");

        result.IsValid.ShouldBeFalse();
        result.Value.ShouldBeNull();
        result.Problems.Select(p => p.ToString()).ShouldBe(
        [
            "bad.yaml:15: Unknown key 'colour' in the version set. Known keys: stack, components, constraints.",
            "bad.yaml:14: Constraint 'app needs schema' cannot be read. Write '<component> [<op> <version>] requires <component> [<op> <version>]' with op one of >=, >, <=, <, =, !=, e.g. 'api >= 2.3 requires schema >= 7'.",
            "bad.yaml: Version set has no 'stack'. Set 'stack' to the name of the stack it pins, e.g. 'stack: sample'.",
            "bad.yaml:3: Component 'app' has version '2.x', which is not a semantic version. Use MAJOR.MINOR.PATCH with an optional 'v' prefix, '-prerelease' and '+build', e.g. '2.3.0' or 'v2.3.0-rc.1'.",
            "bad.yaml:5: Component 'app' is declared more than once (first at line 2). Keep one entry per component.",
            "bad.yaml:5: Component 'app' has no 'artifact'. Set 'artifact' to the id of the artifact to deploy, e.g. 'artifact: sample-v1'.",
            "bad.yaml:7: Component #3 has no 'name'. Set 'name' to the component's name, e.g. 'name: api'.",
            "bad.yaml:9: Component name 'bad name' is not valid. Use letters, digits, '.', '_' and '-', starting with a letter or digit.",
            "bad.yaml:13: Constraint 'app >= 2.0.0 requires cache >= 1.0.0' names unknown component 'cache'. Declare 'cache' under 'components' or fix the name; components: app.",
        ]);
    }

    [Fact]
    public void Parse_UnsatisfiedConstraint_NamesVersionsAndFix()
    {
        var text = Good.Replace("7.1.0", "6.2.0", StringComparison.Ordinal);

        var result = VersionSet.Parse(text, "v3.yaml");

        result.Problems.Select(p => p.ToString()).ShouldBe(
        [
            "v3.yaml:10: Constraint 'app >= 2.3.0 requires schema >= 7.0.0' is not satisfied: app is 2.4.0 but schema is 6.2.0. Pin schema to a version >= 7.0.0, or app to a version outside >= 2.3.0.",
        ]);
    }

    [Fact]
    public void Parse_ConstraintNotApplicable_IsSatisfied()
    {
        var text = Good.Replace("v2.4.0", "2.2.9", StringComparison.Ordinal).Replace("7.1.0", "6.0.0", StringComparison.Ordinal);

        VersionSet.Parse(text, "old.yaml").Problems.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("", "empty.yaml: The version set is empty. Write it as a YAML or JSON mapping; see workflows/DurableDelivery.Domain/README.md.")]
    [InlineData("- a\n- b\n", "list.yaml:1: The version set must be a mapping of keys to values, not a list. Write it as 'key: value' lines or a JSON object.")]
    [InlineData("stack: [a\n", "syntax.yaml:2: The version set is not valid YAML or JSON: While parsing a flow sequence, did not find expected ',' or ']'. Fix the syntax at this line.")]
    [InlineData("stack: a\nstack: b\n", "dup.yaml:2: The version set is not valid YAML or JSON: Duplicate key stack. Fix the syntax at this line.")]
    [InlineData("stack: s\ncomponents: []\n", "none.yaml: Version set 's' has no components. Add at least one under 'components' with name, version and artifact.")]
    public void Parse_MalformedInput_OneClearProblem(string text, string expected)
    {
        var source = expected[..expected.IndexOf(':', StringComparison.Ordinal)];

        VersionSet.Parse(text, source).Problems.Select(p => p.ToString()).ShouldBe([expected]);
    }

    [Fact]
    public void GetValueOrThrow_Invalid_ThrowsWithEveryProblem()
    {
        var ex = Should.Throw<DurableDelivery.Domain.Common.DomainValidationException>(() => VersionSet.Parse("stack: s\n", "x.yaml").GetValueOrThrow());

        ex.Problems.Count.ShouldBe(1);
        ex.Message.ShouldBe("x.yaml: Version set 's' has no components. Add at least one under 'components' with name, version and artifact.");
    }

    [Fact]
    public void Validate_BuiltInCode_ReportsDuplicatesWithoutLines()
    {
        var c = new VersionSetComponent { Name = "app", Version = SemVer.Parse("1.0.0"), Artifact = "a" };
        var set = new VersionSet { Stack = "s", Components = [c, c] };

        set.Validate().Select(p => p.ToString()).ShouldBe(["version-set: Component 'app' is declared more than once. Keep one entry per component."]);
    }

    [Fact]
    public void Json_RoundTrip_KeepsContent()
    {
        var set = VersionSet.Parse(Good, "v2.yaml").GetValueOrThrow();

        var json = JsonSerializer.Serialize(set);
        var back = JsonSerializer.Deserialize<VersionSet>(json)!;

        json.ShouldContain("\"Version\":\"2.4.0\"");
        json.ShouldContain("\"Operator\":\"GreaterOrEqual\"");
        back.ContentHash.ShouldBe(set.ContentHash);
        back.Validate().ShouldBeEmpty();
    }
}
