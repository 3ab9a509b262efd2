using DurableDelivery.Server.Visibility;

namespace DurableDelivery.Server.Tests.Visibility;

/// <summary>The exact one-line messages for the usual mistakes in a list filter.</summary>
public sealed class VisibilityQueryErrorTests
{
    private static void ShouldFail(string query, string message)
    {
        var error = Should.Throw<VisibilityQueryException>(
            () => VisibilityQuery.Translate(query, VisibilityTestDatabase.Custom));
        error.Message.ShouldBe(message, query);
        error.Message.ShouldNotContain('\n');
    }

    [Theory]
    [InlineData("Foo = 'x'", "Foo")]
    [InlineData("workflowid = 'x'", "workflowid")]
    [InlineData("WorkflowId = 'a' AND `Custom Thing` IS NULL", "Custom Thing")]
    [InlineData("ORDER BY Foo", "Foo")]
    [InlineData("GROUP BY Foo", "Foo")]
    public void UnknownAttribute_IsNamed(string query, string name) =>
        ShouldFail(query, $"invalid query: unknown or unsupported search attribute name: {name}");

    [Theory]
    [InlineData("HistoryLength STARTS_WITH 'x'", "STARTS_WITH", "Int", "HistoryLength")]
    [InlineData("StartTime NOT STARTS_WITH 'x'", "NOT STARTS_WITH", "Datetime", "StartTime")]
    [InlineData("Score STARTS_WITH 'x'", "STARTS_WITH", "Double", "Score")]
    [InlineData("IsVip BETWEEN true AND false", "BETWEEN", "Bool", "IsVip")]
    [InlineData("Notes IN ('a')", "IN", "Text", "Notes")]
    [InlineData("Notes > 'a'", ">", "Text", "Notes")]
    [InlineData("Notes STARTS_WITH 'a'", "STARTS_WITH", "Text", "Notes")]
    [InlineData("Tags > 'a'", ">", "KeywordList", "Tags")]
    [InlineData("Tags BETWEEN 'a' AND 'b'", "BETWEEN", "KeywordList", "Tags")]
    [InlineData("Tags STARTS_WITH 'a'", "STARTS_WITH", "KeywordList", "Tags")]
    [InlineData("ExecutionStatus > 'Running'", ">", "Keyword", "ExecutionStatus")]
    [InlineData("ExecutionStatus STARTS_WITH 'Run'", "STARTS_WITH", "Keyword", "ExecutionStatus")]
    [InlineData("ExecutionDuration STARTS_WITH '1'", "STARTS_WITH", "Int", "ExecutionDuration")]
    public void OperatorNotAllowedForTheType_SaysWhichOperatorTypeAndAttribute(
        string query, string op, string type, string name) =>
        ShouldFail(query, $"invalid query: operator '{op}' not allowed for {type} attribute {name}");

    [Theory]
    [InlineData("WorkflowId = 'a' LIMIT 10")]
    [InlineData("LIMIT 10")]
    [InlineData("WorkflowId = 'a' ORDER BY StartTime limit 5")]
    public void Limit_IsRejected(string query) => ShouldFail(query, "invalid query: 'LIMIT' clause is not supported");

    [Theory]
    [InlineData("WorkflowType =", "invalid query: expected a value after '=' at position 14")]
    [InlineData("WorkflowType = AND RunId = 'a'", "invalid query: expected a value after '=' at position 15")]
    [InlineData("WorkflowType != )", "invalid query: expected a value after '!=' at position 16")]
    [InlineData("HistoryLength BETWEEN", "invalid query: expected a value after 'BETWEEN' at position 21")]
    [InlineData("HistoryLength BETWEEN 1 AND", "invalid query: expected a value after 'AND' at position 27")]
    [InlineData("WorkflowId IN ()", "invalid query: expected a value after '(' at position 15")]
    [InlineData("WorkflowId IN ('a',)", "invalid query: expected a value after ',' at position 19")]
    [InlineData("WorkflowId STARTS_WITH", "invalid query: expected a value after 'STARTS_WITH' at position 22")]
    public void MissingValue_SaysAfterWhatAndWhere(string query, string message) => ShouldFail(query, message);

    [Theory]
    [InlineData("WorkflowId = 'abc", "invalid query: unterminated string literal starting at position 13")]
    [InlineData("WorkflowId = \"abc''", "invalid query: unterminated string literal starting at position 13")]
    [InlineData("`WorkflowId = 'a'", "invalid query: unterminated backquoted name starting at position 0")]
    [InlineData("WorkflowId # 'a'", "invalid query: unexpected character '#' at position 11")]
    [InlineData("WorkflowId ! 'a'", "invalid query: unexpected character '!' at position 11")]
    [InlineData("WorkflowId = 10s", "invalid query: unexpected character 's' in a number at position 15")]
    [InlineData("WorkflowId", "invalid query: expected an operator after 'WorkflowId' at position 10")]
    [InlineData("WorkflowId 'a'", "invalid query: expected an operator after 'WorkflowId' at position 11")]
    [InlineData(
        "WorkflowId = abc",
        "invalid query: column name on the right side of comparison expression (did you forget to quote 'abc'?) " +
        "at position 13")]
    [InlineData(
        "(WorkflowId = 'a'",
        "invalid query: expected ')' to close the '(' at position 0 but found the end of the query at position 17")]
    [InlineData("WorkflowId = 'a')", "invalid query: unexpected ')' at position 16")]
    [InlineData("WorkflowId = 'a' WorkflowType = 'b'", "invalid query: unexpected 'WorkflowType' at position 17")]
    [InlineData("WorkflowId = 'a' AND", "invalid query: expected a search attribute name after 'AND' at position 20")]
    [InlineData(
        "AND WorkflowId = 'a'", "invalid query: expected a search attribute name but found 'AND' at position 0")]
    [InlineData(
        "WHERE WorkflowId = 'a'", "invalid query: expected a search attribute name but found 'WHERE' at position 0")]
    [InlineData(
        "WorkflowId IS 'a'",
        "invalid query: 'IS' operator can only be used as 'IS NULL' or 'IS NOT NULL' at position 14")]
    [InlineData(
        "WorkflowId LIKE 'a%'", "invalid query: operator 'LIKE' is not supported (use STARTS_WITH) at position 11")]
    [InlineData(
        "WorkflowId NOT LIKE 'a%'",
        "invalid query: operator 'NOT LIKE' is not supported (use STARTS_WITH) at position 15")]
    [InlineData(
        "WorkflowId NOT = 'a'", "invalid query: expected IN, BETWEEN or STARTS_WITH after 'NOT' at position 15")]
    [InlineData("WorkflowId IN 'a'", "invalid query: expected '(' after 'IN' at position 14")]
    [InlineData("WorkflowId IN ('a' 'b')", "invalid query: expected ',' or ')' in the value list at position 19")]
    [InlineData(
        "HistoryLength BETWEEN 1 5",
        "invalid query: expected 'AND' after the lower bound of 'BETWEEN' at position 24")]
    [InlineData("ORDER StartTime", "invalid query: expected 'BY' after 'ORDER' at position 6")]
    [InlineData(
        "ORDER BY StartTime GROUP BY ExecutionStatus",
        "invalid query: 'GROUP BY' must come before 'ORDER BY' at position 19")]
    [InlineData("ORDER BY StartTime sideways", "invalid query: unexpected 'sideways' at position 19")]
    public void Syntax_MessagesNameTheProblemAndPosition(string query, string message) => ShouldFail(query, message);

    [Theory]
    [InlineData(
        "HistoryLength = 'abc'",
        "invalid query: invalid value type for search attribute HistoryLength of type Int: 'abc' (a string)")]
    [InlineData(
        "WorkflowId = 5",
        "invalid query: invalid value type for search attribute WorkflowId of type Keyword: 5 (an integer)")]
    [InlineData(
        "WorkflowId IN ('a', true)",
        "invalid query: invalid value type for search attribute WorkflowId of type Keyword: true (a boolean)")]
    [InlineData(
        "IsVip = 'true'",
        "invalid query: invalid value type for search attribute IsVip of type Bool: 'true' (a string)")]
    [InlineData(
        "Score > 'high'",
        "invalid query: invalid value type for search attribute Score of type Double: 'high' (a string)")]
    [InlineData(
        "Tags = 1",
        "invalid query: invalid value type for search attribute Tags of type KeywordList: 1 (an integer)")]
    [InlineData(
        "StartTime > 1.5",
        "invalid query: invalid value type for search attribute StartTime of type Datetime: 1.5 (a number)")]
    [InlineData(
        "ExecutionStatus = 1.0",
        "invalid query: invalid value type for search attribute ExecutionStatus of type Keyword: 1.0 (a number)")]
    [InlineData(
        "ExecutionDuration > 1.5",
        "invalid query: invalid value type for search attribute ExecutionDuration of type Int: 1.5 (a number)")]
    [InlineData("ExecutionStatus = 'Done'", "invalid query: invalid ExecutionStatus value 'Done'")]
    [InlineData("ExecutionStatus IN ('Running', 42)", "invalid query: invalid ExecutionStatus value 42")]
    [InlineData(
        "ExecutionDuration > '5 minutes'",
        "invalid query: invalid duration value for search attribute ExecutionDuration: '5 minutes'")]
    [InlineData(
        "StartTime > '2026-13-01T00:00:00Z'",
        "invalid query: unable to parse datetime '2026-13-01T00:00:00Z' for search attribute StartTime " +
        "(expected RFC3339 like '2026-12-07T10:00:00Z' or Unix nanoseconds)")]
    [InlineData(
        "Due = '2026-12-07'",
        "invalid query: unable to parse datetime '2026-12-07' for search attribute Due " +
        "(expected RFC3339 like '2026-12-07T10:00:00Z' or Unix nanoseconds)")]
    [InlineData("Notes = '  '", "invalid query: no tokens found filtering on Text type search attribute Notes")]
    public void WrongValue_SaysWhatWasExpected(string query, string message) => ShouldFail(query, message);

    [Theory]
    [InlineData(
        "WorkflowId = 'a' GROUP BY WorkflowType",
        "invalid query: 'GROUP BY' clause is only supported for ExecutionStatus")]
    [InlineData(
        "GROUP BY ExecutionStatus, WorkflowType", "invalid query: 'GROUP BY' clause supports only a single field")]
    [InlineData("ORDER BY Notes", "invalid query: unable to sort by search attribute Notes of type Text")]
    [InlineData("ORDER BY Tags DESC", "invalid query: unable to sort by search attribute Tags of type KeywordList")]
    public void GroupByAndOrderBy_AreLimitedToWhatTemporalAllows(string query, string message) =>
        ShouldFail(query, message);

    [Fact]
    public void AttributeNameWithADoubleQuote_CannotBeAddressedInJson()
    {
        var custom = new Dictionary<string, SearchAttributeKind> { ["a\"b"] = SearchAttributeKind.Keyword };
        Should.Throw<VisibilityQueryException>(() => VisibilityQuery.Translate("`a\"b` = 'x'", custom))
            .Message.ShouldBe("invalid query: search attribute name cannot be queried: a\"b");
    }
}
