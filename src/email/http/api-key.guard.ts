import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiKeyStore } from './api-key.store';
import { ApiRequest, IS_PUBLIC } from './request.decorators';
import { CODE } from '../../common/error-codes';

const MAX_KEY_LENGTH = 512;

function presentedKey(request: Request): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const bearer = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
  return bearer?.[1];
}

/** Deny by default: every route needs a valid key unless marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<ApiRequest>();
    const key = presentedKey(request);
    const record = key && key.length <= MAX_KEY_LENGTH ? this.keys.find(key) : undefined;
    if (!record) {
      context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException({
        message: key
          ? 'The API key is not valid'
          : 'Send an API key in X-API-Key or Authorization: Bearer',
        code: CODE.unauthorized,
      });
    }
    request.apiKey = record;
    return true;
  }
}
