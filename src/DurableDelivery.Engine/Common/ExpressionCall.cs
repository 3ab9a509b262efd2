using System.Linq.Expressions;
using System.Reflection;

namespace DurableDelivery.Engine.Common;

/// <summary>Reads the method and argument values out of call lambdas such as <c>(MyWorkflow wf) =&gt; wf.RunAsync(x)</c>.</summary>
internal static class ExpressionCall
{
    public static (MethodInfo Method, object?[] Args) Parse(LambdaExpression lambda, string what)
    {
        var body = lambda.Body;
        while (body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } u)
        {
            body = u.Operand;
        }

        if (body is MemberExpression { Member: PropertyInfo property })
        {
            return (property.GetMethod!, []);
        }

        if (body is not MethodCallExpression call)
        {
            throw new ArgumentException($"The {what} expression must be a single method call such as 'wf => wf.RunAsync(arg)'; got '{lambda.Body}'.");
        }

        if (call.Object is not null && call.Object is not ParameterExpression && lambda.Parameters.Count > 0)
        {
            throw new ArgumentException($"The {what} expression must call a method on its lambda parameter; got '{call}'.");
        }

        var args = new object?[call.Arguments.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = Evaluate(call.Arguments[i]);
        }

        return (call.Method, args);
    }

    /// <summary>Evaluates an argument without compiling in the common cases (constants and captured variables).</summary>
    private static object? Evaluate(Expression e)
    {
        switch (e)
        {
            case ConstantExpression c:
                return c.Value;
            case MemberExpression { Member: FieldInfo f } m when m.Expression is null or ConstantExpression or MemberExpression:
                {
                    var target = m.Expression is null ? null : Evaluate(m.Expression);
                    return f.GetValue(target);
                }

            case MemberExpression { Member: PropertyInfo p } m when m.Expression is null or ConstantExpression or MemberExpression:
                {
                    var target = m.Expression is null ? null : Evaluate(m.Expression);
                    return p.GetValue(target);
                }

            case UnaryExpression { NodeType: ExpressionType.Convert } u when u.Type == typeof(object):
                return Evaluate(u.Operand);
            default:
                return Expression.Lambda(e).Compile(preferInterpretation: true).DynamicInvoke();
        }
    }
}
