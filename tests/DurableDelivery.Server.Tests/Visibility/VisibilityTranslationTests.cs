using DurableDelivery.Server.Visibility;

namespace DurableDelivery.Server.Tests.Visibility;

/// <summary>The SQL text and parameters each operator and attribute type translate to.</summary>
public sealed class VisibilityTranslationTests
{
    private const string CustomerId = "json_extract(search_attributes, '$.\"CustomerId\"')";

    private static VisibilitySql Translate(string query) =>
        VisibilityQuery.Translate(query, VisibilityTestDatabase.Custom);

    private static void ShouldTranslate(string query, string where, params object[] values)
    {
        var sql = Translate(query);
        sql.Where.ShouldBe(where, query);
        sql.Parameters.Select(p => p.Key).ShouldBe(values.Select((_, i) => "$p" + i), query);
        sql.Parameters.Select(p => p.Value).ShouldBe(values, query);
        for (var i = 0; i < values.Length; i++)
        {
            sql.Parameters[i].Value!.GetType().ShouldBe(values[i].GetType(), query);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \t\n ")]
    public void EmptyQuery_IsOneEqualsOneWithoutParameters(string query)
    {
        var sql = Translate(query);
        sql.Where.ShouldBe("1=1");
        sql.Parameters.ShouldBeEmpty();
        sql.OrderBy.ShouldBeEmpty();
        sql.GroupByExecutionStatus.ShouldBeFalse();
    }

    [Fact]
    public void AndOfTwoConditions_IsParenthesizedWithNumberedParameters() =>
        ShouldTranslate(
            "WorkflowType = 'Order' AND ExecutionStatus = 'Running'",
            "(workflow_type = $p0 AND status = $p1)",
            "Order",
            1L);

    [Theory]
    [InlineData("=", "=")]
    [InlineData("!=", "!=")]
    [InlineData("<>", "!=")]
    [InlineData("<", "<")]
    [InlineData("<=", "<=")]
    [InlineData(">", ">")]
    [InlineData(">=", ">=")]
    public void Keyword_ComparisonOperators_BecomeSqlComparisons(string op, string sqlOp) =>
        ShouldTranslate($"WorkflowId {op} 'wf'", $"workflow_id {sqlOp} $p0", "wf");

    [Fact]
    public void Keyword_InAndNotIn_ListOneParameterPerValue()
    {
        ShouldTranslate("TaskQueue IN ('a', \"b\", 'c')", "task_queue IN ($p0, $p1, $p2)", "a", "b", "c");
        ShouldTranslate("TaskQueue not in ('a')", "task_queue NOT IN ($p0)", "a");
    }

    [Fact]
    public void Keyword_StartsWith_IsAnInstrTest()
    {
        ShouldTranslate("WorkflowId STARTS_WITH 'ord%'", "instr(workflow_id, $p0) = 1", "ord%");
        ShouldTranslate("WorkflowId NOT STARTS_WITH 'ord'", "instr(workflow_id, $p0) <> 1", "ord");
    }

    [Fact]
    public void BetweenAndNotBetween_TakeTwoParameters()
    {
        ShouldTranslate("HistoryLength BETWEEN 1 AND 5", "history_length BETWEEN $p0 AND $p1", 1L, 5L);
        ShouldTranslate("RunId NOT BETWEEN 'a' AND 'b'", "run_id NOT BETWEEN $p0 AND $p1", "a", "b");
    }

    [Fact]
    public void IsNullAndIsNotNull_TakeNoParameters()
    {
        ShouldTranslate("CloseTime IS NULL", "close_time IS NULL");
        ShouldTranslate("ParentWorkflowId is not null", "parent_workflow_id IS NOT NULL");
        ShouldTranslate("Tags IS NULL", "json_extract(search_attributes, '$.\"Tags\"') IS NULL");
    }

    [Theory]
    [InlineData("WorkflowId", "workflow_id")]
    [InlineData("RunId", "run_id")]
    [InlineData("WorkflowType", "workflow_type")]
    [InlineData("TaskQueue", "task_queue")]
    [InlineData("ParentWorkflowId", "parent_workflow_id")]
    [InlineData("ParentRunId", "parent_run_id")]
    [InlineData("RootWorkflowId", "root_workflow_id")]
    [InlineData("RootRunId", "root_run_id")]
    public void SystemKeywordAttributes_MapToTheirColumns(string attribute, string column) =>
        ShouldTranslate($"{attribute} = 'x'", $"{column} = $p0", "x");

    [Theory]
    [InlineData("'Running'", 1L)]
    [InlineData("'COMPLETED'", 2L)]
    [InlineData("'failed'", 3L)]
    [InlineData("'Canceled'", 4L)]
    [InlineData("'Terminated'", 5L)]
    [InlineData("'continuedasnew'", 6L)]
    [InlineData("'TimedOut'", 7L)]
    [InlineData("'WORKFLOW_EXECUTION_STATUS_TIMED_OUT'", 7L)]
    [InlineData("3", 3L)]
    public void ExecutionStatus_NamesAndNumbers_BecomeTheStoredInteger(string literal, long stored) =>
        ShouldTranslate($"ExecutionStatus = {literal}", "status = $p0", stored);

    [Theory]
    [InlineData("StartTime", "start_time")]
    [InlineData("ExecutionTime", "execution_time")]
    [InlineData("CloseTime", "close_time")]
    public void DatetimeAttributes_TakeRfc3339AsUnixNanoseconds(string attribute, string column)
    {
        ShouldTranslate($"{attribute} >= '2026-12-07T10:00:00Z'", $"{column} >= $p0", 1796637600000000000L);
        ShouldTranslate(
            $"{attribute} < '2026-12-07T10:00:00.123456789+01:00'", $"{column} < $p0", 1796634000123456789L);
        ShouldTranslate($"{attribute} = 1796637600000000000", $"{column} = $p0", 1796637600000000000L);
    }

    [Theory]
    [InlineData("3600000000000", 3_600_000_000_000L)]
    [InlineData("'1h'", 3_600_000_000_000L)]
    [InlineData("'1h30m'", 5_400_000_000_000L)]
    [InlineData("'10s'", 10_000_000_000L)]
    [InlineData("'250ms'", 250_000_000L)]
    [InlineData("'1.5h'", 5_400_000_000_000L)]
    [InlineData("'01:30:00'", 5_400_000_000_000L)]
    [InlineData("'2d'", 172_800_000_000_000L)]
    [InlineData("'42'", 42L)]
    public void ExecutionDuration_IsCloseMinusStartInNanoseconds(string literal, long nanos) =>
        ShouldTranslate($"ExecutionDuration > {literal}", "(close_time - start_time) > $p0", nanos);

    [Fact]
    public void Int_IntegersStayLongsAndFractionsBecomeDoubles()
    {
        ShouldTranslate("HistoryLength > 10", "history_length > $p0", 10L);
        ShouldTranslate("HistoryLength > -10", "history_length > $p0", -10L);
        ShouldTranslate("HistoryLength > 10.5", "history_length > $p0", 10.5);
        ShouldTranslate(
            "Priority IN (1, 2)", "json_extract(search_attributes, '$.\"Priority\"') IN ($p0, $p1)", 1L, 2L);
    }

    [Fact]
    public void CustomAttributes_ReadTheJsonColumn()
    {
        ShouldTranslate("CustomerId = 'c-1'", $"{CustomerId} = $p0", "c-1");
        ShouldTranslate("CustomerId STARTS_WITH 'c-'", $"instr({CustomerId}, $p0) = 1", "c-");
        ShouldTranslate("Score >= 1", "json_extract(search_attributes, '$.\"Score\"') >= $p0", 1.0);
        ShouldTranslate("Score < 1.5e2", "json_extract(search_attributes, '$.\"Score\"') < $p0", 150.0);
        ShouldTranslate("IsVip = TRUE", "json_extract(search_attributes, '$.\"IsVip\"') = $p0", 1L);
        ShouldTranslate("IsVip != false", "json_extract(search_attributes, '$.\"IsVip\"') != $p0", 0L);
        ShouldTranslate(
            "Due BETWEEN '2026-12-07T10:00:00Z' AND 1796641200000000000",
            "json_extract(search_attributes, '$.\"Due\"') BETWEEN $p0 AND $p1",
            1796637600000000000L,
            1796641200000000000L);
    }

    [Fact]
    public void CustomAttributeName_IsQuotedInsideTheJsonPathAndTheSqlString() =>
        ShouldTranslate("`Odd 'Name'` = 'x'", "json_extract(search_attributes, '$.\"Odd ''Name''\"') = $p0", "x");

    [Fact]
    public void KeywordList_IsAnExistsOverItsJsonArray()
    {
        const string From = "FROM json_each(search_attributes, '$.\"Tags\"') AS kl";
        ShouldTranslate("Tags = 'red'", $"EXISTS (SELECT 1 {From} WHERE kl.value = $p0)", "red");
        ShouldTranslate("Tags != 'red'", $"NOT EXISTS (SELECT 1 {From} WHERE kl.value = $p0)", "red");
        ShouldTranslate("Tags IN ('a', 'b')", $"EXISTS (SELECT 1 {From} WHERE kl.value IN ($p0, $p1))", "a", "b");
        ShouldTranslate("Tags NOT IN ('a')", $"NOT EXISTS (SELECT 1 {From} WHERE kl.value IN ($p0))", "a");
    }

    [Fact]
    public void PredefinedAttributes_AreReadFromTheJsonLikeCustomOnes()
    {
        ShouldTranslate(
            "BuildIds = 'b1'",
            "EXISTS (SELECT 1 FROM json_each(search_attributes, '$.\"BuildIds\"') AS kl WHERE kl.value = $p0)",
            "b1");
        ShouldTranslate(
            "TemporalWorkerDeploymentVersion = 'd:1'",
            "json_extract(search_attributes, '$.\"TemporalWorkerDeploymentVersion\"') = $p0",
            "d:1");
    }

    [Fact]
    public void Text_IsAWordMatchPerToken()
    {
        const string Word = "instr(' ' || lower(replace(replace(replace(json_extract(search_attributes, " +
                            "'$.\"Notes\"'), char(9), ' '), char(10), ' '), char(13), ' ')) || ' ', {0}) > 0";
        ShouldTranslate("Notes = 'Fragile'", string.Format(Word, "$p0"), " fragile ");
        ShouldTranslate(
            "Notes = ' door  Window '",
            $"({string.Format(Word, "$p0")} OR {string.Format(Word, "$p1")})",
            " door ",
            " window ");
        ShouldTranslate("Notes != 'x'", $"NOT coalesce({string.Format(Word, "$p0")}, 0)", " x ");
    }

    [Fact]
    public void OrAndNot_NestAsWritten()
    {
        ShouldTranslate(
            "WorkflowId = 'a' OR WorkflowId = 'b' AND RunId = 'c'",
            "(workflow_id = $p0 OR (workflow_id = $p1 AND run_id = $p2))",
            "a",
            "b",
            "c");
        ShouldTranslate(
            "(WorkflowId = 'a' OR WorkflowId = 'b') AND RunId = 'c'",
            "((workflow_id = $p0 OR workflow_id = $p1) AND run_id = $p2)",
            "a",
            "b",
            "c");
        ShouldTranslate("NOT WorkflowId = 'a'", "NOT (workflow_id = $p0)", "a");
        ShouldTranslate(
            "NOT (WorkflowId = 'a' OR RunId = 'b')", "NOT (workflow_id = $p0 OR run_id = $p1)", "a", "b");
        ShouldTranslate("((WorkflowId = 'a'))", "workflow_id = $p0", "a");
    }

    [Fact]
    public void Keywords_AreCaseInsensitive() =>
        ShouldTranslate(
            "WorkflowId in ('a') and not HistoryLength between 1 And 2 oR CloseTime Is Not Null",
            "((workflow_id IN ($p0) AND NOT (history_length BETWEEN $p1 AND $p2)) OR close_time IS NOT NULL)",
            "a",
            1L,
            2L);

    [Fact]
    public void Strings_DecodeDoubledQuotesAndKeepBackslashes()
    {
        ShouldTranslate("WorkflowId = 'it''s'", "workflow_id = $p0", "it's");
        ShouldTranslate("WorkflowId = \"say \"\"hi\"\"\"", "workflow_id = $p0", "say \"hi\"");
        ShouldTranslate("WorkflowId = 'a\"b'", "workflow_id = $p0", "a\"b");
        ShouldTranslate("WorkflowId = 'C:\\temp\\n'", "workflow_id = $p0", "C:\\temp\\n");
    }

    [Fact]
    public void OrderBy_GivesSqlExpressionsAndDirections()
    {
        var sql = Translate("WorkflowType = 'a' ORDER BY StartTime DESC, WorkflowId, Priority asc, CloseTime desc");
        sql.OrderBy.ShouldBe(
        [
            ("start_time", true),
            ("workflow_id", false),
            ("json_extract(search_attributes, '$.\"Priority\"')", false),
            ("close_time", true),
        ]);
        sql.Where.ShouldBe("workflow_type = $p0");
        Translate("order by ExecutionDuration").OrderBy.ShouldBe([("(close_time - start_time)", false)]);
    }

    [Fact]
    public void GroupByExecutionStatus_SetsTheFlag()
    {
        var sql = Translate("WorkflowType = 'a' group by ExecutionStatus");
        sql.GroupByExecutionStatus.ShouldBeTrue();
        sql.Where.ShouldBe("workflow_type = $p0");
        var all = Translate("GROUP BY ExecutionStatus ORDER BY StartTime");
        all.GroupByExecutionStatus.ShouldBeTrue();
        all.Where.ShouldBe("1=1");
        all.OrderBy.ShouldBe([("start_time", false)]);
    }

    [Fact]
    public void UnquotedNames_MayUseNonAsciiLetters()
    {
        var custom = new Dictionary<string, SearchAttributeKind> { ["Größe_2"] = SearchAttributeKind.Int };
        VisibilityQuery.Translate("Größe_2 > 3", custom)
            .Where.ShouldBe("json_extract(search_attributes, '$.\"Größe_2\"') > $p0");
    }

    [Fact]
    public void SystemAttributes_TakePrecedenceOverCustomOnesOfTheSameName()
    {
        var custom = new Dictionary<string, SearchAttributeKind> { ["WorkflowId"] = SearchAttributeKind.Int };
        VisibilityQuery.Translate("WorkflowId = 'a'", custom).Where.ShouldBe("workflow_id = $p0");
    }

    [Fact]
    public void SearchAttributeKind_MatchesTemporalsIndexedValueTypeNumbers()
    {
        ((int)SearchAttributeKind.Text).ShouldBe(1);
        ((int)SearchAttributeKind.Keyword).ShouldBe(2);
        ((int)SearchAttributeKind.Int).ShouldBe(3);
        ((int)SearchAttributeKind.Double).ShouldBe(4);
        ((int)SearchAttributeKind.Bool).ShouldBe(5);
        ((int)SearchAttributeKind.Datetime).ShouldBe(6);
        ((int)SearchAttributeKind.KeywordList).ShouldBe(7);
        ((int)Temporalio.Api.Enums.V1.IndexedValueType.KeywordList).ShouldBe((int)SearchAttributeKind.KeywordList);
        ((int)Temporalio.Api.Enums.V1.IndexedValueType.Text).ShouldBe((int)SearchAttributeKind.Text);
    }
}
