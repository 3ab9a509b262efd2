using System.Globalization;

namespace DurableDelivery.Server.Visibility;

/// <summary>
/// Translates a parsed visibility filter into a SQLite WHERE expression with positional parameters, checking each
/// attribute's name, operator and values the way Temporal's query converter does:
/// <list type="bullet">
/// <item>Keyword: <c>= != &lt; &lt;= &gt; &gt;= IN, NOT IN, BETWEEN, STARTS_WITH, NOT STARTS_WITH</c>, with string
/// values (ordering compares strings; STARTS_WITH is case-sensitive);</item>
/// <item>Int, Double, Datetime: the comparisons, IN, NOT IN, BETWEEN, with number values (Datetime also takes
/// RFC 3339 strings);</item>
/// <item>Bool: the comparisons, IN, NOT IN, with <c>true</c> / <c>false</c>;</item>
/// <item>Text: <c>=</c> (the text has any of the value's words, ignoring ASCII case) and <c>!=</c> (it has none of
/// them, or no text);</item>
/// <item>KeywordList: <c>=</c> (the list contains the value), <c>!=</c> (it does not, or there is no list), IN
/// (contains any), NOT IN (contains none);</item>
/// <item>ExecutionStatus: <c>= != IN, NOT IN</c> with a status name or number;</item>
/// <item>every attribute: <c>IS NULL</c>, <c>IS NOT NULL</c>.</item>
/// </list>
/// Otherwise SQL's three-valued logic applies: a comparison with an absent attribute (NULL) is not true, so
/// <c>CloseTime &gt; x</c> and <c>CustomKeyword != 'a'</c> leave out rows without the attribute.
/// </summary>
internal sealed class VisibilitySqlTranslator
{
    /// <summary>The SQL WHERE expression of an empty query.</summary>
    public const string MatchAll = "1=1";

    private const string TextNormalization =
        "lower(replace(replace(replace({0}, char(9), ' '), char(10), ' '), char(13), ' '))";

    private readonly IReadOnlyDictionary<string, SearchAttributeKind> customAttributes;
    private readonly List<KeyValuePair<string, object?>> parameters = [];

    /// <summary>Creates a translator for a namespace with the given custom search attributes.</summary>
    public VisibilitySqlTranslator(IReadOnlyDictionary<string, SearchAttributeKind> customAttributes)
    {
        this.customAttributes = customAttributes;
    }

    /// <summary>Translates <paramref name="query"/>; a translator is used for one query only.</summary>
    /// <exception cref="VisibilityQueryException">An unknown attribute, a disallowed operator or a bad value.
    /// </exception>
    public VisibilitySql Translate(VisibilityParsedQuery query)
    {
        var where = query.Where is null ? MatchAll : Emit(query.Where);
        var groupByStatus = TranslateGroupBy(query.GroupBy);
        var orderBy = new List<(string Column, bool Descending)>();
        foreach (var term in query.OrderBy)
        {
            var attribute = Resolve(term.Attribute);
            if (attribute.Kind is SearchAttributeKind.Text or SearchAttributeKind.KeywordList)
            {
                throw VisibilityQueryException.Invalid(
                    $"unable to sort by search attribute {attribute.Name} of type {attribute.Kind}");
            }

            orderBy.Add((attribute.Sql, term.Descending));
        }

        return new VisibilitySql(where, parameters.ToArray(), orderBy, groupByStatus);
    }

    private bool TranslateGroupBy(IReadOnlyList<(string Attribute, int Position)> groupBy)
    {
        if (groupBy.Count == 0)
        {
            return false;
        }

        if (groupBy.Count > 1)
        {
            throw VisibilityQueryException.Invalid("'GROUP BY' clause supports only a single field");
        }

        var attribute = Resolve(groupBy[0].Attribute);
        if (attribute.Special != VisibilitySpecialAttribute.ExecutionStatus)
        {
            throw VisibilityQueryException.Invalid("'GROUP BY' clause is only supported for ExecutionStatus");
        }

        return true;
    }

    private VisibilityAttribute Resolve(string name) => VisibilitySearchAttributes.Resolve(name, customAttributes);

    private string Emit(VisibilityExpression expression)
    {
        switch (expression)
        {
            case VisibilityLogicalExpression logical:
                var operands = new List<string>(logical.Operands.Count);
                foreach (var operand in logical.Operands)
                {
                    operands.Add(Emit(operand));
                }

                return "(" + string.Join(logical.IsAnd ? " AND " : " OR ", operands) + ")";
            case VisibilityNotExpression not:
                var inner = Emit(not.Operand);
                return not.Operand is VisibilityLogicalExpression ? "NOT " + inner : "NOT (" + inner + ")";
            case VisibilityPredicate predicate:
                return EmitPredicate(predicate);
            default:
                throw new InvalidOperationException($"Unknown visibility expression {expression.GetType().Name}.");
        }
    }

    private string EmitPredicate(VisibilityPredicate predicate)
    {
        var attribute = Resolve(predicate.Attribute);
        var op = predicate.Operator;
        if (!IsAllowed(attribute, op))
        {
            throw VisibilityQueryException.Invalid(
                $"operator '{OperatorText(op)}' not allowed for {attribute.Kind} attribute {attribute.Name}");
        }

        if (op is VisibilityOperator.IsNull or VisibilityOperator.IsNotNull)
        {
            return $"{attribute.Sql} {OperatorText(op)}";
        }

        var values = new List<object>(predicate.Values.Count);
        foreach (var literal in predicate.Values)
        {
            values.Add(ConvertValue(attribute, literal));
        }

        return attribute.Kind switch
        {
            SearchAttributeKind.KeywordList => EmitKeywordList(attribute, op, values),
            SearchAttributeKind.Text => EmitText(attribute, op, (string)values[0]),
            _ => EmitComparison(attribute, op, values),
        };
    }

    private string EmitComparison(VisibilityAttribute attribute, VisibilityOperator op, List<object> values)
    {
        var sql = attribute.Sql;
        return op switch
        {
            VisibilityOperator.In or VisibilityOperator.NotIn => $"{sql} {OperatorText(op)} ({AddAll(values)})",
            VisibilityOperator.Between or VisibilityOperator.NotBetween =>
                $"{sql} {OperatorText(op)} {Add(values[0])} AND {Add(values[1])}",
            VisibilityOperator.StartsWith => $"instr({sql}, {Add(values[0])}) = 1",
            VisibilityOperator.NotStartsWith => $"instr({sql}, {Add(values[0])}) <> 1",
            _ => $"{sql} {OperatorText(op)} {Add(values[0])}",
        };
    }

    /// <summary>
    /// A KeywordList is a JSON array in <c>search_attributes</c>; <c>json_each</c> lists its items (or the value
    /// itself if a single string was stored), so "contains" is an EXISTS over them.
    /// </summary>
    private string EmitKeywordList(VisibilityAttribute attribute, VisibilityOperator op, List<object> values)
    {
        var test = op is VisibilityOperator.Equal or VisibilityOperator.NotEqual
            ? $"= {Add(values[0])}"
            : $"IN ({AddAll(values)})";
        var exists = op is VisibilityOperator.Equal or VisibilityOperator.In ? "EXISTS" : "NOT EXISTS";
        return $"{exists} (SELECT 1 FROM json_each({VisibilitySearchAttributes.JsonColumn}, {attribute.JsonPath}) " +
               $"AS kl WHERE kl.value {test})";
    }

    /// <summary>
    /// Text matches on words, as Temporal's full-text index does: the value is split on whitespace and the
    /// attribute matches if its text (split on whitespace, ASCII letters compared without case) holds any of them.
    /// Punctuation is part of a word here (no stemming or other analysis).
    /// </summary>
    private string EmitText(VisibilityAttribute attribute, VisibilityOperator op, string value)
    {
        var normalized = string.Format(CultureInfo.InvariantCulture, TextNormalization, attribute.Sql);
        var matches = new List<string>();
        foreach (var token in value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            matches.Add($"instr(' ' || {normalized} || ' ', {Add(" " + AsciiLower(token) + " ")}) > 0");
        }

        var any = matches.Count == 1 ? matches[0] : "(" + string.Join(" OR ", matches) + ")";
        return op == VisibilityOperator.Equal ? any : $"NOT coalesce({any}, 0)";
    }

    private static string AsciiLower(string text) =>
        string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsAsciiLetterUpper(source[i]) ? (char)(source[i] + 32) : source[i];
            }
        });

    private string AddAll(List<object> values)
    {
        var names = new string[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            names[i] = Add(values[i]);
        }

        return string.Join(", ", names);
    }

    private string Add(object value)
    {
        var name = "$p" + parameters.Count.ToString(CultureInfo.InvariantCulture);
        parameters.Add(new KeyValuePair<string, object?>(name, value));
        return name;
    }

    private static bool IsAllowed(VisibilityAttribute attribute, VisibilityOperator op)
    {
        if (op is VisibilityOperator.IsNull or VisibilityOperator.IsNotNull)
        {
            return true;
        }

        var membership = op is VisibilityOperator.Equal or VisibilityOperator.NotEqual
            or VisibilityOperator.In or VisibilityOperator.NotIn;
        var ordering = op is VisibilityOperator.Less or VisibilityOperator.LessOrEqual
            or VisibilityOperator.Greater or VisibilityOperator.GreaterOrEqual;
        var range = op is VisibilityOperator.Between or VisibilityOperator.NotBetween;
        if (attribute.Special == VisibilitySpecialAttribute.ExecutionStatus)
        {
            return membership;
        }

        return attribute.Kind switch
        {
            SearchAttributeKind.Keyword => true,
            SearchAttributeKind.Int or SearchAttributeKind.Double or SearchAttributeKind.Datetime =>
                membership || ordering || range,
            SearchAttributeKind.Bool => membership || ordering,
            SearchAttributeKind.Text => op is VisibilityOperator.Equal or VisibilityOperator.NotEqual,
            SearchAttributeKind.KeywordList => membership,
            _ => false,
        };
    }

    /// <summary>The operator as SQL and as error messages write it.</summary>
    private static string OperatorText(VisibilityOperator op) => op switch
    {
        VisibilityOperator.Equal => "=",
        VisibilityOperator.NotEqual => "!=",
        VisibilityOperator.Less => "<",
        VisibilityOperator.LessOrEqual => "<=",
        VisibilityOperator.Greater => ">",
        VisibilityOperator.GreaterOrEqual => ">=",
        VisibilityOperator.In => "IN",
        VisibilityOperator.NotIn => "NOT IN",
        VisibilityOperator.Between => "BETWEEN",
        VisibilityOperator.NotBetween => "NOT BETWEEN",
        VisibilityOperator.StartsWith => "STARTS_WITH",
        VisibilityOperator.NotStartsWith => "NOT STARTS_WITH",
        VisibilityOperator.IsNull => "IS NULL",
        _ => "IS NOT NULL",
    };

    /// <summary>The parameter value for <paramref name="literal"/> compared with <paramref name="attribute"/>: a
    /// long, a double or a string.</summary>
    private static object ConvertValue(VisibilityAttribute attribute, VisibilityLiteral literal)
    {
        switch (attribute.Special)
        {
            case VisibilitySpecialAttribute.ExecutionStatus:
                if (literal.Kind == VisibilityLiteralKind.String &&
                    VisibilityExecutionStatus.TryParse(literal.Text, out var status))
                {
                    return status;
                }

                if (literal.Kind == VisibilityLiteralKind.Integer &&
                    VisibilityExecutionStatus.IsDefined(literal.IntegerValue))
                {
                    return literal.IntegerValue;
                }

                if (literal.Kind is VisibilityLiteralKind.String or VisibilityLiteralKind.Integer)
                {
                    throw VisibilityQueryException.Invalid($"invalid ExecutionStatus value {literal.Display}");
                }

                throw WrongType(attribute, literal);
            case VisibilitySpecialAttribute.ExecutionDuration:
                if (literal.Kind == VisibilityLiteralKind.Integer)
                {
                    return literal.IntegerValue;
                }

                if (literal.Kind != VisibilityLiteralKind.String)
                {
                    throw WrongType(attribute, literal);
                }

                if (!GoDuration.TryParseNanos(literal.Text, out var nanos))
                {
                    throw VisibilityQueryException.Invalid(
                        $"invalid duration value for search attribute {attribute.Name}: {literal.Display}");
                }

                return nanos;
        }

        switch (attribute.Kind)
        {
            case SearchAttributeKind.Keyword or SearchAttributeKind.KeywordList
                when literal.Kind == VisibilityLiteralKind.String:
                return literal.Text;
            case SearchAttributeKind.Text when literal.Kind == VisibilityLiteralKind.String:
                if (string.IsNullOrWhiteSpace(literal.Text))
                {
                    throw VisibilityQueryException.Invalid(
                        $"no tokens found filtering on Text type search attribute {attribute.Name}");
                }

                return literal.Text;
            case SearchAttributeKind.Int when literal.Kind == VisibilityLiteralKind.Integer:
                return literal.IntegerValue;
            case SearchAttributeKind.Int or SearchAttributeKind.Double
                when literal.Kind is VisibilityLiteralKind.Integer or VisibilityLiteralKind.Float:
                return literal.NumberValue;
            case SearchAttributeKind.Bool when literal.Kind == VisibilityLiteralKind.Boolean:
                return literal.BooleanValue ? 1L : 0L;
            case SearchAttributeKind.Datetime when literal.Kind == VisibilityLiteralKind.Integer:
                return literal.IntegerValue;
            case SearchAttributeKind.Datetime when literal.Kind == VisibilityLiteralKind.String:
                if (!Rfc3339.TryParseUnixNanos(literal.Text, out var unixNanos))
                {
                    throw VisibilityQueryException.Invalid(
                        $"unable to parse datetime {literal.Display} for search attribute {attribute.Name} " +
                        "(expected RFC3339 like '2026-12-07T10:00:00Z' or Unix nanoseconds)");
                }

                return unixNanos;
            default:
                throw WrongType(attribute, literal);
        }
    }

    private static VisibilityQueryException WrongType(VisibilityAttribute attribute, VisibilityLiteral literal) =>
        VisibilityQueryException.Invalid(
            $"invalid value type for search attribute {attribute.Name} of type {attribute.Kind}: " +
            $"{literal.Display} ({literal.KindDisplay})");
}
