using DurableDelivery.Server.Visibility;

namespace DurableDelivery.Server.Tests.Visibility;

/// <summary>The syntax tree the parser builds, before names are resolved.</summary>
public sealed class VisibilityParserTests
{
    private static VisibilityExpression Where(string query) => VisibilityParser.Parse(query).Where!;

    private static VisibilityLiteral Literal(VisibilityLiteralKind kind, string text, int position) =>
        new(kind, text, position);

    [Fact]
    public void Comparison_HoldsNameOperatorAndLiteralWithPositions()
    {
        var predicate = Where("  WorkflowId = 'wf-1'").ShouldBeOfType<VisibilityPredicate>();
        predicate.Attribute.ShouldBe("WorkflowId");
        predicate.AttributePosition.ShouldBe(2);
        predicate.Operator.ShouldBe(VisibilityOperator.Equal);
        predicate.Values.ShouldBe([Literal(VisibilityLiteralKind.String, "wf-1", 15)]);
    }

    [Theory]
    [InlineData("=", nameof(VisibilityOperator.Equal))]
    [InlineData("!=", nameof(VisibilityOperator.NotEqual))]
    [InlineData("<>", nameof(VisibilityOperator.NotEqual))]
    [InlineData("<", nameof(VisibilityOperator.Less))]
    [InlineData("<=", nameof(VisibilityOperator.LessOrEqual))]
    [InlineData(">", nameof(VisibilityOperator.Greater))]
    [InlineData(">=", nameof(VisibilityOperator.GreaterOrEqual))]
    [InlineData("STARTS_WITH", nameof(VisibilityOperator.StartsWith))]
    [InlineData("not starts_with", nameof(VisibilityOperator.NotStartsWith))]
    public void BinaryOperators_AreRecognized(string op, string expected)
    {
        var predicate = Where($"A {op} 'x'").ShouldBeOfType<VisibilityPredicate>();
        predicate.Operator.ShouldBe(Enum.Parse<VisibilityOperator>(expected));
        predicate.Values.Single().Text.ShouldBe("x");
    }

    [Fact]
    public void OperatorsWithoutSpaces_AreTokenized()
    {
        var predicate = Where("A>=5").ShouldBeOfType<VisibilityPredicate>();
        predicate.Operator.ShouldBe(VisibilityOperator.GreaterOrEqual);
        predicate.Values.ShouldBe([Literal(VisibilityLiteralKind.Integer, "5", 3)]);
        Where("A<>'x'").ShouldBeOfType<VisibilityPredicate>().Operator.ShouldBe(VisibilityOperator.NotEqual);
    }

    [Fact]
    public void ListRangeAndNullOperators_CarryTheirValues()
    {
        var inList = Where("A IN ('x', 2, true)").ShouldBeOfType<VisibilityPredicate>();
        inList.Operator.ShouldBe(VisibilityOperator.In);
        inList.Values.Select(v => v.Kind).ShouldBe(
            [VisibilityLiteralKind.String, VisibilityLiteralKind.Integer, VisibilityLiteralKind.Boolean]);
        Where("A NOT IN (1)").ShouldBeOfType<VisibilityPredicate>().Operator.ShouldBe(VisibilityOperator.NotIn);

        var between = Where("A between 1 and 2").ShouldBeOfType<VisibilityPredicate>();
        between.Operator.ShouldBe(VisibilityOperator.Between);
        between.Values.Select(v => v.Text).ShouldBe(["1", "2"]);
        Where("A NOT BETWEEN 1 AND 2").ShouldBeOfType<VisibilityPredicate>()
            .Operator.ShouldBe(VisibilityOperator.NotBetween);

        Where("A IS NULL").ShouldBeOfType<VisibilityPredicate>().Values.ShouldBeEmpty();
        Where("A is not null").ShouldBeOfType<VisibilityPredicate>().Operator.ShouldBe(VisibilityOperator.IsNotNull);
    }

    [Theory]
    [InlineData("42", nameof(VisibilityLiteralKind.Integer))]
    [InlineData("-42", nameof(VisibilityLiteralKind.Integer))]
    [InlineData("+42", nameof(VisibilityLiteralKind.Integer))]
    [InlineData("1.5", nameof(VisibilityLiteralKind.Float))]
    [InlineData("-.5", nameof(VisibilityLiteralKind.Float))]
    [InlineData("1e3", nameof(VisibilityLiteralKind.Float))]
    [InlineData("2E-2", nameof(VisibilityLiteralKind.Float))]
    [InlineData("99999999999999999999", nameof(VisibilityLiteralKind.Float))]
    [InlineData("TRUE", nameof(VisibilityLiteralKind.Boolean))]
    [InlineData("'42'", nameof(VisibilityLiteralKind.String))]
    public void Literals_HaveTheirKind(string literal, string kind) =>
        Where($"A = {literal}").ShouldBeOfType<VisibilityPredicate>().Values.Single().Kind
            .ShouldBe(Enum.Parse<VisibilityLiteralKind>(kind));

    [Fact]
    public void QuotedTexts_AreDecoded()
    {
        Where("`My Attr` = 'a''b'").ShouldBeOfType<VisibilityPredicate>().ShouldBe(new VisibilityPredicate(
            "My Attr", 0, VisibilityOperator.Equal, [Literal(VisibilityLiteralKind.String, "a'b", 12)]),
            new PredicateComparer());
        Where("`a``b` = \"x\"\"y\"").ShouldBeOfType<VisibilityPredicate>().Attribute.ShouldBe("a`b");
        Where("`AND` = 'x'").ShouldBeOfType<VisibilityPredicate>().Attribute.ShouldBe("AND");
    }

    [Fact]
    public void AndBindsTighterThanOr_AndChainsAreFlat()
    {
        var or = Where("A = 1 OR B = 2 AND C = 3 AND D = 4 OR E = 5").ShouldBeOfType<VisibilityLogicalExpression>();
        or.IsAnd.ShouldBeFalse();
        or.Operands.Count.ShouldBe(3);
        var and = or.Operands[1].ShouldBeOfType<VisibilityLogicalExpression>();
        and.IsAnd.ShouldBeTrue();
        and.Operands.Select(o => ((VisibilityPredicate)o).Attribute).ShouldBe(["B", "C", "D"]);
    }

    [Fact]
    public void NotAppliesToTheNextConditionOrGroup()
    {
        var and = Where("NOT A = 1 AND B = 2").ShouldBeOfType<VisibilityLogicalExpression>();
        and.Operands[0].ShouldBeOfType<VisibilityNotExpression>();
        var not = Where("NOT (A = 1 AND B = 2)").ShouldBeOfType<VisibilityNotExpression>();
        not.Operand.ShouldBeOfType<VisibilityLogicalExpression>().IsAnd.ShouldBeTrue();
    }

    [Fact]
    public void Clauses_AreParsedAfterTheFilter()
    {
        var parsed = VisibilityParser.Parse("A = 1 GROUP BY ExecutionStatus ORDER BY StartTime DESC, `B` asc, C");
        parsed.Where.ShouldBeOfType<VisibilityPredicate>();
        parsed.GroupBy.ShouldBe([("ExecutionStatus", 15)]);
        parsed.OrderBy.ShouldBe(
        [
            new VisibilityOrderTerm("StartTime", 40, true),
            new VisibilityOrderTerm("B", 56, false),
            new VisibilityOrderTerm("C", 65, false),
        ]);
        VisibilityParser.Parse("order by A").Where.ShouldBeNull();
        VisibilityParser.Parse(null).Where.ShouldBeNull();
    }

    /// <summary>Records holding lists compare the lists by reference; this compares predicates by content.</summary>
    private sealed class PredicateComparer : IEqualityComparer<VisibilityPredicate>
    {
        public bool Equals(VisibilityPredicate? x, VisibilityPredicate? y) =>
            x is not null && y is not null && x.Attribute == y.Attribute &&
            x.AttributePosition == y.AttributePosition && x.Operator == y.Operator && x.Values.SequenceEqual(y.Values);

        public int GetHashCode(VisibilityPredicate obj) => obj.Attribute.GetHashCode(StringComparison.Ordinal);
    }
}
