namespace LlmProxy.Providers;

/// <summary>How an API names its turns: <c>messages</c>/user/assistant/<c>content</c>, or Gemini's <c>contents</c>/user/model/<c>parts</c>.</summary>
internal sealed record TurnShape(string TurnsName, string UserRole, string AssistantRole, string PartsName);
