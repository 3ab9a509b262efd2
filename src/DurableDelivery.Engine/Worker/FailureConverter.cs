using System.Reflection;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;

namespace DurableDelivery.Engine.Worker;

/// <summary>Turns exceptions into recorded failures and back.</summary>
internal static class FailureConverter
{
    public static Exception Unwrap(Exception e) => e is TargetInvocationException { InnerException: { } inner } ? Unwrap(inner) : e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerExceptions[0]) : e;

    public static FailureInfo ToFailure(Exception e)
    {
        e = Unwrap(e);
        return e switch
        {
            ApplicationFailureException a => new FailureInfo
            {
                Message = a.Message, Type = a.ErrorType ?? a.GetType().Name, NonRetryable = a.NonRetryable, Kind = "Application", StackTrace = a.StackTrace,
                Cause = a.InnerException is null ? null : ToFailure(a.InnerException),
            },
            ActivityFailureException af => new FailureInfo { Message = af.Message, Type = nameof(ActivityFailureException), Kind = "Activity", Cause = af.InnerException is null ? null : ToFailure(af.InnerException) },
            ChildWorkflowFailureException cf => new FailureInfo { Message = cf.Message, Type = nameof(ChildWorkflowFailureException), Kind = "ChildWorkflow", Cause = cf.InnerException is null ? null : ToFailure(cf.InnerException) },
            CanceledFailureException or OperationCanceledException => new FailureInfo { Message = e.Message, Type = "Canceled", Kind = "Canceled" },
            TimeoutFailureException t => new FailureInfo { Message = t.Message, Type = t.TimeoutType, Kind = "Timeout", NonRetryable = false },
            TerminatedFailureException => new FailureInfo { Message = e.Message, Type = "Terminated", Kind = "Terminated" },
            _ => new FailureInfo { Message = e.Message, Type = e.GetType().Name, Kind = "Application", StackTrace = e.StackTrace, Cause = e.InnerException is null ? null : ToFailure(e.InnerException) },
        };
    }

    public static Exception ToException(FailureInfo? f)
    {
        if (f is null)
        {
            return new ApplicationFailureException("unknown failure");
        }

        var cause = f.Cause is null ? null : ToException(f.Cause);
        return f.Kind switch
        {
            "Canceled" => new CanceledFailureException(f.Message, cause) { Failure = f },
            "Timeout" => new TimeoutFailureException(f.Message, f.Type ?? "StartToClose") { Failure = f },
            "Terminated" => new TerminatedFailureException(f.Message) { Failure = f },
            _ => new ApplicationFailureException(f.Message, f.Type, f.NonRetryable, cause) { Failure = f },
        };
    }
}
