import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyRecord } from '../../config/api-key.parser';
import { ApiKeyStore } from './api-key.store';

const RECORD = { name: 'app' } as ApiKeyRecord;

function contextFor(headers: Record<string, string>, isPublic = false) {
  const request: { headers: Record<string, string>; apiKey?: ApiKeyRecord } = { headers };
  const response = { setHeader: jest.fn() };
  const reflector = { getAllAndOverride: () => isPublic } as unknown as Reflector;
  const context = {
    getHandler: () => undefined,
    getClass: () => undefined,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ExecutionContext;
  const store = {
    find: jest.fn((key: string) => (key === 'good-key-0123456789' ? RECORD : undefined)),
  };
  return {
    guard: new ApiKeyGuard(store as unknown as ApiKeyStore, reflector),
    context,
    request,
    response,
    store,
  };
}

describe('ApiKeyGuard', () => {
  it.each([
    ['X-API-Key', { 'x-api-key': 'good-key-0123456789' }],
    ['a Bearer token', { authorization: 'Bearer good-key-0123456789' }],
    ['a lower-case bearer scheme', { authorization: 'bearer good-key-0123456789' }],
  ])('lets %s through and puts the record on the request', (_what, headers) => {
    const { guard, context, request } = contextFor(headers);
    expect(guard.canActivate(context)).toBe(true);
    expect(request.apiKey).toBe(RECORD);
  });

  it.each([
    ['no header', {}],
    ['a wrong key', { 'x-api-key': 'bad-key-0123456789' }],
    ['Basic auth', { authorization: 'Basic good-key-0123456789' }],
    ['a bearer with two tokens', { authorization: 'Bearer good-key-0123456789 extra' }],
  ])('refuses %s with 401 and WWW-Authenticate', (_what, headers) => {
    const { guard, context, response } = contextFor(headers);
    expect(() => guard.canActivate(context)).toThrow(UnauthorizedException);
    expect(response.setHeader).toHaveBeenCalledWith('WWW-Authenticate', 'Bearer');
  });

  it('does not hash keys longer than 512 characters', () => {
    const { guard, context, store } = contextFor({ 'x-api-key': 'k'.repeat(513) });
    expect(() => guard.canActivate(context)).toThrow(UnauthorizedException);
    expect(store.find).not.toHaveBeenCalled();
  });

  it('lets @Public() routes through without a key', () => {
    const { guard, context } = contextFor({}, true);
    expect(guard.canActivate(context)).toBe(true);
  });
});
