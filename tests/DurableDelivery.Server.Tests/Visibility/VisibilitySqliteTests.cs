using DurableDelivery.Server.Visibility;
using FsCheck;
using FsCheck.Fluent;

namespace DurableDelivery.Server.Tests.Visibility;

/// <summary>
/// Runs the translated filters against a real in-memory SQLite table (see <see cref="VisibilityTestDatabase"/>:
/// order-1 running, order-2 completed, refund_1% failed, shipment-9 timed out, Order-3 canceled) and checks which
/// executions they select.
/// </summary>
public sealed class VisibilitySqliteTests : IDisposable
{
    private readonly VisibilityTestDatabase db = new();

    public void Dispose() => db.Dispose();

    private void ShouldMatch(string query, params string[] expected) =>
        db.Match(query).ShouldBe(expected.Order(StringComparer.Ordinal).ToArray(), query);

    private static string[] AllBut(params string[] excluded) =>
        VisibilityTestDatabase.AllIds.Except(excluded).ToArray();

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptyQuery_MatchesEveryRow(string query) => ShouldMatch(query, VisibilityTestDatabase.AllIds);

    [Fact]
    public void Keyword_Equals_MatchesTheExactValueOnly()
    {
        ShouldMatch("WorkflowType = 'OrderWorkflow'", "order-1", "order-2", "Order-3");
        ShouldMatch("WorkflowType = 'orderworkflow'");
        ShouldMatch("TaskQueue = \"refunds\"", "refund_1%");
        ShouldMatch("RunId = 'run-order-2'", "order-2");
        ShouldMatch("`WorkflowId` = 'shipment-9'", "shipment-9");
    }

    [Fact]
    public void Keyword_NotEquals_MatchesEveryOtherValue()
    {
        ShouldMatch("WorkflowType != 'OrderWorkflow'", "refund_1%", "shipment-9");
        ShouldMatch("WorkflowType <> 'OrderWorkflow'", "refund_1%", "shipment-9");
    }

    [Fact]
    public void Keyword_InAndNotIn_MatchAnyAndNoneOfTheList()
    {
        ShouldMatch("WorkflowId IN ('order-1', 'shipment-9', 'nope')", "order-1", "shipment-9");
        ShouldMatch("WorkflowId NOT IN ('order-1', 'shipment-9')", "order-2", "Order-3", "refund_1%");
    }

    [Fact]
    public void Keyword_OrderingAndBetween_CompareStrings()
    {
        ShouldMatch("WorkflowId > 'r'", "refund_1%", "shipment-9");
        ShouldMatch("WorkflowId <= 'order-1'", "order-1", "Order-3");
        ShouldMatch("WorkflowId BETWEEN 'order-1' AND 'order-2'", "order-1", "order-2");
        ShouldMatch("WorkflowId NOT BETWEEN 'order-1' AND 'order-2'", "Order-3", "refund_1%", "shipment-9");
    }

    [Fact]
    public void Keyword_StartsWith_IsCaseSensitiveAndTakesWildcardsLiterally()
    {
        ShouldMatch("WorkflowId STARTS_WITH 'order'", "order-1", "order-2");
        ShouldMatch("WorkflowId starts_with 'Order'", "Order-3");
        ShouldMatch("WorkflowId STARTS_WITH 'refund_1%'", "refund_1%");
        ShouldMatch("WorkflowId STARTS_WITH 'refund%'");
        ShouldMatch("WorkflowId STARTS_WITH 'o_der'");
        ShouldMatch("WorkflowId STARTS_WITH 'der'");
        ShouldMatch("CustomerId STARTS_WITH '1'");
        ShouldMatch("WorkflowId STARTS_WITH ''", VisibilityTestDatabase.AllIds);
    }

    [Fact]
    public void Keyword_NotStartsWith_MatchesTheOthers() =>
        ShouldMatch("WorkflowId NOT STARTS_WITH 'order'", "Order-3", "refund_1%", "shipment-9");

    [Fact]
    public void NullableKeyword_IsNullAndIsNotNull_SplitTheRows()
    {
        ShouldMatch("ParentWorkflowId IS NOT NULL", "order-2");
        ShouldMatch("ParentWorkflowId is null", AllBut("order-2"));
        ShouldMatch("ParentRunId = 'run-order-1'", "order-2");
        ShouldMatch("RootWorkflowId = 'order-1' AND RootRunId = 'run-order-1'", "order-1");
    }

    [Fact]
    public void ExecutionStatus_MatchesNamesInAnyCaseAndNumbers()
    {
        ShouldMatch("ExecutionStatus = 'Running'", "order-1");
        ShouldMatch("ExecutionStatus = 'running'", "order-1");
        ShouldMatch("ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_COMPLETED'", "order-2");
        ShouldMatch("ExecutionStatus = 2", "order-2");
        ShouldMatch("ExecutionStatus IN ('Failed', 'TimedOut')", "refund_1%", "shipment-9");
        ShouldMatch("ExecutionStatus NOT IN ('Failed', 'TimedOut', 'Canceled')", "order-1", "order-2");
        ShouldMatch("ExecutionStatus != 'Running'", AllBut("order-1"));
        ShouldMatch("ExecutionStatus = 'ContinuedAsNew'");
    }

    [Fact]
    public void Datetime_Comparisons_ReadRfc3339WithOffsetsAndNanoseconds()
    {
        var t0 = VisibilityTestDatabase.T0;
        ShouldMatch("StartTime > '2026-12-07T10:00:00Z'", "order-2", "refund_1%", "Order-3");
        ShouldMatch("StartTime = '2026-12-07T11:00:00+01:00'", "order-1");
        ShouldMatch("StartTime >= '2026-12-07T10:59:59.999999999Z'", "refund_1%", "Order-3");
        ShouldMatch($"StartTime = {t0}", "order-1");
        ShouldMatch($"ExecutionTime < {t0}", "shipment-9");
        ShouldMatch("StartTime IN ('2026-12-07T10:00:00Z', '2026-12-07T11:00:00Z')", "order-1", "refund_1%");
    }

    [Fact]
    public void Datetime_Between_IncludesBothEnds() =>
        ShouldMatch("StartTime BETWEEN '2026-12-07T10:00:00Z' AND '2026-12-07T11:00:00Z'",
            "order-1", "order-2", "refund_1%");

    [Fact]
    public void CloseTime_IsNullWhileRunning_SoComparisonsLeaveRunningOut()
    {
        ShouldMatch("CloseTime IS NULL", "order-1");
        ShouldMatch("CloseTime IS NOT NULL", AllBut("order-1"));
        ShouldMatch("CloseTime >= '2026-12-07T10:00:00Z'", AllBut("order-1"));
        ShouldMatch("CloseTime > '2026-12-07T10:40:00Z'", "refund_1%", "Order-3");
    }

    [Fact]
    public void ExecutionDuration_ComparesGoDurationsClockDurationsAndNanoseconds()
    {
        ShouldMatch("ExecutionDuration > '1m'", "order-2", "shipment-9");
        ShouldMatch("ExecutionDuration < '1s'", "Order-3");
        ShouldMatch("ExecutionDuration = 10000000000", "refund_1%");
        ShouldMatch("ExecutionDuration = '250ms'", "Order-3");
        ShouldMatch("ExecutionDuration >= '1d'", "shipment-9");
        ShouldMatch("ExecutionDuration BETWEEN '5s' AND '00:31:00'", "order-2", "refund_1%");
        ShouldMatch("ExecutionDuration = '0.5h'", "order-2");
        ShouldMatch("ExecutionDuration IS NULL", "order-1");
    }

    [Fact]
    public void Int_SystemColumn_ComparesNumbers()
    {
        ShouldMatch("HistoryLength >= 20", "order-2", "shipment-9");
        ShouldMatch("HistoryLength IN (2, 5)", "order-1", "Order-3");
        ShouldMatch("HistoryLength < 7.5", "order-1", "Order-3");
        ShouldMatch("HistoryLength BETWEEN 5 AND 20", "order-1", "order-2", "refund_1%");
    }

    [Fact]
    public void CustomKeyword_ReadsTheJsonAndLeavesRowsWithoutItOutOfComparisons()
    {
        ShouldMatch("CustomerId = 'c-1'", "order-1");
        ShouldMatch("CustomerId != 'c-1'", "order-2", "refund_1%");
        ShouldMatch("CustomerId STARTS_WITH 'c-1'", "order-1", "refund_1%");
        ShouldMatch("CustomerId IN ('c-2', 'c-10')", "order-2", "refund_1%");
        ShouldMatch("CustomerId IS NULL", "shipment-9", "Order-3");
    }

    [Fact]
    public void CustomKeyword_NameNeedingQuotes_IsReadSafely() =>
        ShouldMatch("`Odd 'Name'` = 'x'", "order-1");

    [Fact]
    public void CustomInt_ComparesJsonIntegers()
    {
        ShouldMatch("Priority > 1", "order-1", "Order-3");
        ShouldMatch("Priority BETWEEN 1 AND 2", "order-2", "Order-3");
        ShouldMatch("Priority = -1");
        ShouldMatch("Priority NOT IN (1, 3)", "Order-3");
    }

    [Fact]
    public void CustomDouble_ComparesJsonNumbers()
    {
        ShouldMatch("Score < 0", "order-2");
        ShouldMatch("Score >= 1.5", "order-1");
        ShouldMatch("Score = -2", "order-2");
        ShouldMatch("Score BETWEEN -3 AND 1e1", "order-1", "order-2");
    }

    [Fact]
    public void CustomBool_MatchesJsonTrueAndFalse()
    {
        ShouldMatch("IsVip = true", "order-1");
        ShouldMatch("IsVip = FALSE", "order-2");
        ShouldMatch("IsVip != True", "order-2");
        ShouldMatch("IsVip IS NULL", "refund_1%", "shipment-9", "Order-3");
    }

    [Fact]
    public void CustomDatetime_ComparesJsonNanoseconds()
    {
        ShouldMatch("Due > '2026-12-07T10:30:00Z'", "order-1");
        ShouldMatch("Due = '2026-12-07T12:00:00+01:00'", "order-1");
        ShouldMatch($"Due = {VisibilityTestDatabase.T0 + VisibilityTestDatabase.Hour}", "order-1");
        ShouldMatch("Due < '2026-12-07T10:30:00Z'");
    }

    [Fact]
    public void KeywordList_Equals_MatchesRowsContainingTheValue()
    {
        ShouldMatch("Tags = 'red'", "order-1", "refund_1%");
        ShouldMatch("Tags = 'Red'");
    }

    [Fact]
    public void KeywordList_NotEquals_MatchesRowsNotContainingIt_IncludingRowsWithoutAList() =>
        ShouldMatch("Tags != 'red'", "order-2", "shipment-9", "Order-3");

    [Fact]
    public void KeywordList_In_MatchesRowsContainingAnyValue() =>
        ShouldMatch("Tags IN ('green', 'blue')", "order-1", "order-2");

    [Fact]
    public void KeywordList_NotIn_MatchesRowsContainingNoneOfTheValues() =>
        ShouldMatch("Tags NOT IN ('red', 'green')", "shipment-9", "Order-3");

    [Fact]
    public void KeywordList_IsNull_MatchesRowsWithoutTheAttribute()
    {
        ShouldMatch("Tags IS NULL", "shipment-9");
        ShouldMatch("Tags IS NOT NULL", AllBut("shipment-9"));
    }

    [Fact]
    public void PredefinedKeywordLists_AreReadFromTheJson()
    {
        ShouldMatch("TemporalChangeVersion = 'v1'", "refund_1%");
        ShouldMatch("BuildIds IN ('b2')", "Order-3");
        ShouldMatch("BinaryChecksums IS NULL", VisibilityTestDatabase.AllIds);
        ShouldMatch("TemporalWorkerDeploymentVersion IS NOT NULL");
    }

    [Fact]
    public void Text_Equals_MatchesWholeWordsOfAnyTokenIgnoringCase()
    {
        ShouldMatch("Notes = 'fragile'", "order-1");
        ShouldMatch("Notes = 'door window'", "order-2");
        ShouldMatch("Notes = 'CARE'", "order-1");
        ShouldMatch("Notes = 'car'");
    }

    [Fact]
    public void Text_NotEquals_MatchesRowsWithNoneOfTheTokens_IncludingRowsWithoutText() =>
        ShouldMatch("Notes != 'fragile'", AllBut("order-1"));

    [Fact]
    public void AndBindsTighterThanOr()
    {
        ShouldMatch(
            "WorkflowType = 'OrderWorkflow' AND ExecutionStatus = 'Running' OR WorkflowId = 'shipment-9'",
            "order-1",
            "shipment-9");
        ShouldMatch(
            "WorkflowId = 'shipment-9' or WorkflowType = 'OrderWorkflow' and ExecutionStatus = 'Running'",
            "order-1",
            "shipment-9");
    }

    [Fact]
    public void Parentheses_GroupConditions() =>
        ShouldMatch(
            "WorkflowType = 'OrderWorkflow' AND (ExecutionStatus = 'Running' OR ExecutionStatus = 'Completed')",
            "order-1",
            "order-2");

    [Fact]
    public void Not_NegatesTheNextConditionOrGroup()
    {
        ShouldMatch("NOT (WorkflowType = 'OrderWorkflow')", "refund_1%", "shipment-9");
        ShouldMatch("NOT WorkflowType = 'OrderWorkflow' AND HistoryLength > 10", "shipment-9");
        ShouldMatch("NOT (WorkflowType = 'OrderWorkflow' OR HistoryLength > 10)", "refund_1%");
        ShouldMatch("NOT NOT WorkflowId = 'order-1'", "order-1");
    }

    [Fact]
    public void Where_CanBeJoinedWithAndToTheCallersConditions()
    {
        var sql = VisibilityQuery.Translate(
            "WorkflowId = 'order-1' OR WorkflowId = 'order-2'", VisibilityTestDatabase.Custom);
        db.Select(
                $"SELECT workflow_id FROM executions_visibility WHERE status = 2 AND {sql.Where} ORDER BY 1", sql)
            .ShouldBe(["order-2"]);
    }

    [Fact]
    public void OrderBy_GivesColumnsTheCallerCanSortBy()
    {
        db.Match("WorkflowType = 'OrderWorkflow' ORDER BY StartTime DESC", useOrderBy: true)
            .ShouldBe(["Order-3", "order-2", "order-1"]);
        db.Match("ORDER BY Priority, WorkflowId desc", useOrderBy: true)
            .ShouldBe(["shipment-9", "refund_1%", "order-2", "Order-3", "order-1"]);
    }

    [Fact]
    public void GroupByExecutionStatus_FiltersLikeTheQueryWithoutIt()
    {
        var sql = VisibilityQuery.Translate(
            "WorkflowType = 'OrderWorkflow' GROUP BY ExecutionStatus", VisibilityTestDatabase.Custom);
        sql.GroupByExecutionStatus.ShouldBeTrue();
        db.Select(
                "SELECT status || ':' || count(*) FROM executions_visibility " +
                $"WHERE {sql.Where} GROUP BY status ORDER BY status",
                sql)
            .ShouldBe(["1:1", "2:1", "4:1"]);
    }

    [Fact]
    public void QuotedValues_CannotInjectSql()
    {
        ShouldMatch("WorkflowId = 'x'' OR 1=1 --'");
        ShouldMatch("WorkflowId = \"x\"\" OR \"\"1\"\"=\"\"1\"");
        ShouldMatch("CustomerId = 'c-1'')) OR 1=1; DROP TABLE executions_visibility; --'");
        ShouldMatch("WorkflowId = 'order-1'", "order-1");
    }

    [Fact]
    public void Property_AnyWorkflowIdQuotedWithDoubledQuotes_MatchesExactlyThatRow()
    {
        var ids = ArbMap.Default.GeneratorFor<string>()
            .Where(s => s is not null && !s.Any(c => c == '\0' || char.IsSurrogate(c)))
            .Where(s => !VisibilityTestDatabase.AllIds.Contains(s))
            .ToArbitrary();
        Prop.ForAll(ids, id =>
        {
            db.Insert(id, "PropertyWorkflow", "q", 1, 0, null, 1, null, null);
            try
            {
                var quoted = id.Replace("'", "''", StringComparison.Ordinal);
                var doubleQuoted = id.Replace("\"", "\"\"", StringComparison.Ordinal);
                const string Property = "WorkflowType = 'PropertyWorkflow' AND WorkflowId";
                var single = db.Match($"{Property} = '{quoted}'");
                var dbl = db.Match($"{Property} = \"{doubleQuoted}\"");
                var prefix = db.Match($"{Property} STARTS_WITH '{quoted}'");
                return single.SequenceEqual([id]) && dbl.SequenceEqual([id]) && prefix.SequenceEqual([id]);
            }
            finally
            {
                db.Execute("DELETE FROM executions_visibility WHERE workflow_type = 'PropertyWorkflow'");
            }
        }).QuickCheckThrowOnFailure();
    }
}
